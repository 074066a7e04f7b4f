"""Which CSV cells a spreadsheet would run as a formula, and the ``'`` that stops it.

A spreadsheet runs a cell whose first *visible* character is ``= + - @`` (TAB and CR lead the
same tricks), and it skips what it does not show first: ``  =HYPERLINK(…)``, ``\\n=1+1``,
``\\x00=1``, ``\\u200b=1`` or a BOM before ``=`` are all formulas. Such a cell gets a leading
``'``. So does a cell that already begins with ``'``s followed by a formula (``'=x`` is
written ``''=x``), so that ``read_back`` (drop one ``'`` from such a cell) returns every value
exactly; every other cell is written exactly.

Both export paths use this one rule: ``neutralise`` (Python: the order and customer cells and
the reference formatter) and ``sql_needs_quote`` (the license cells the database builds,
``orderview.export_sql``); ``tests/test_export_fast.py`` checks they agree byte for byte on both
databases, and ``tests/test_csv_formula.py`` the rule itself.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# What may stand before the trigger unseen: spaces and line feeds, the other C0 controls but
# TAB and CR (triggers themselves), NUL, NEL and no-break spaces, the Unicode spaces, and the
# invisible format characters (zero-width space/joiners, bidi marks, word joiner, BOM…).
SKIPPED = (
    " \n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\x85\xa0\xad"
    "\u061c\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u202f"
    "\u205f\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u3000\ufeff"
)
# The first characters worth a closer look: a trigger, or something that may hide one.
LEADS = frozenset(TRIGGERS) | frozenset(SKIPPED)
QUOTE = "'"
# ``neutralise`` may change only a cell starting with one of these (a lead, or a quote).
GUARDED = LEADS | {QUOTE}


def is_formula(cell: str) -> bool:
    """Whether the first character after the unseen ones is a trigger."""
    if not cell or cell[0] not in LEADS:
        return False
    rest = cell.lstrip(SKIPPED)
    return bool(rest) and rest[0] in TRIGGERS


def needs_quote(cell: str) -> bool:
    """Whether ``neutralise`` prefixes a ``'``: ``cell`` is a formula, or ``'``s and then one
    (written as it is, ``'=x`` would read back as ``=x``)."""
    if not cell or cell[0] not in GUARDED:
        return False
    return is_formula(cell.lstrip(QUOTE) if cell[0] == QUOTE else cell)


def neutralise(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would run it as a formula, or when it
    would otherwise read back as a different value (see ``read_back``)."""
    return QUOTE + cell if needs_quote(cell) else cell


def read_back(cell: str) -> str:
    """The value a written cell stands for: one leading ``'`` dropped when the ``'``s are
    followed by a formula (``'+49 30`` → ``+49 30``, ``''=x`` → ``'=x``); any other cell is
    its value. ``read_back(neutralise(v)) == v`` for every text ``v``."""
    return cell[1:] if cell[:1] == QUOTE and is_formula(cell.lstrip(QUOTE)) else cell


def _literal(chars: str) -> str:
    return "'" + chars.replace("'", "''") + "'"


def sql_is_formula(v: str, dialect: str) -> str:
    """The SQL condition "the text ``v`` is a formula" (``is_formula``) for ``dialect``.

    Characters go into the statement literally (both databases take controls in string
    literals). PostgreSQL text cannot hold a NUL. SQLite can, but its ``ltrim`` set, ``substr``
    on text and ``replace`` pattern all end at one, so a value holding a NUL is walked as a
    BLOB instead (a recursive query dropping a leading NUL or the skipped run in turn).
    """
    triggers = "(" + ", ".join(_literal(t) for t in TRIGGERS) + ")"
    skipped = _literal(SKIPPED.replace("\x00", ""))
    leads = "(" + ", ".join(_literal(c) for c in sorted(LEADS - {"\x00"})) + ")"
    first = f"substr({v}, 1, 1)"
    # Every character that may hide a trigger is below ``!`` or above ``~``: a first character
    # in between (nearly every cell) decides at once, without the set of leads or the trim.
    code = "ascii" if dialect != "sqlite" else "unicode"
    lead = f"coalesce({code}({v}), 0) NOT BETWEEN 33 AND 126"
    hidden = f"({first} IN {leads} AND substr(ltrim({v}, {skipped}), 1, 1) IN {triggers})"
    if dialect != "sqlite":
        return f"({first} IN {triggers} OR ({lead} AND {hidden}))"
    trimmed = f"CAST(ltrim(CAST(b AS TEXT), {skipped}) AS BLOB)"
    walk = (
        f"(WITH RECURSIVE r(b) AS (SELECT CAST({v} AS BLOB) UNION ALL"
        f" SELECT CASE WHEN substr(b, 1, 1) = x'00' THEN substr(b, 2) ELSE {trimmed} END"
        f" FROM r WHERE length(b) > 0 AND (substr(b, 1, 1) = x'00' OR {trimmed} <> b))"
        f" SELECT CAST(substr(b, 1, 1) AS TEXT) IN {triggers} FROM r"
        f" ORDER BY length(b) LIMIT 1)"
    )
    # ``substr`` stops at a NUL (a text starting with one gives ''): such a value is walked.
    nul = f"(instr({v}, CAST(x'00' AS TEXT)) > 0 AND {walk})"
    return f"({first} IN {triggers} OR ({lead} AND ({hidden} OR {nul})))"


def sql_needs_quote(v: str, dialect: str) -> str:
    """The SQL condition ``needs_quote(v)`` for ``dialect``: ``sql_is_formula`` of the text,
    or of the text after its leading ``'``s when it starts with one (CASE, so the trim is
    paid only by such cells). Both databases' ``ltrim`` read the whole value, NUL included."""
    unquoted = sql_is_formula(f"ltrim({v}, {_literal(QUOTE)})", dialect)
    # No value, an empty one, or a first character that is an ASCII letter or digit (nearly
    # every cell: keys, emails, durations; not in GUARDED): no quote, decided before the rest
    # is even set up (on SQLite the rest costs 1–3 µs a cell even when its first test decides).
    code = f"coalesce({'ascii' if dialect != 'sqlite' else 'unicode'}({v}), 0)"
    plain = " OR ".join(f"{code} BETWEEN {a} AND {b}" for a, b in ((48, 57), (65, 90), (97, 122)))
    return (
        f"(CASE WHEN {v} IS NULL OR {v} = '' OR {plain} THEN 1 = 0"
        f" WHEN substr({v}, 1, 1) = {_literal(QUOTE)} THEN {unquoted}"
        f" ELSE {sql_is_formula(v, dialect)} END)"
    )
