"""The export's license cells built by the database: one finished CSV fragment per license.

Why: at 100,000 licenses the export is CPU-bound, and CPython spends ~1.7 µs building the 15
values of a row, ~1.8 µs formatting them and ~2.4 µs in ``csv.writer`` (docs/benchmarks.md).
Here the database formats, neutralises and quotes every cell and concatenates the 18 license
cells of a row into one string, so Python receives one string per license and only joins
them; on SQLite the work runs in the driver's thread with the GIL released, while the event
loop writes the previous page.

The text is exactly what ``orderview.export.cell`` and ``csv.writer`` (QUOTE_MINIMAL, ``\\r\\n``)
give — ``tests/test_export_fast.py`` compares the two on the hostile corpus on both databases:

- text (product code, key, type, note, user email, durations): a formula (a first visible
  ``= + - @ TAB CR``, also behind spaces, line feeds, NUL or zero-width characters), or ``'``s
  and then one, gets a ``'`` (``csv_formula.sql_needs_quote``); a cell with
  ``,`` ``"`` CR or LF is quoted, ``"`` doubled; NULL is empty. SQLite's ``instr``, ``substr``,
  ``replace`` and ``||`` keep characters after a NUL (``GLOB``, ``LIKE`` and ``printf`` would
  not, so they are not used).
- integers as ``str()`` gives them, negative ones with a ``'`` (they start with ``-``);
  booleans ``true``/``false``; status and ``unlimited`` as ``orderview.export`` documents.
- dates ``YYYY-MM-DD`` and ``created_at`` ``YYYY-MM-DDTHH:MM:SSZ`` (UTC): SQLite stores them
  as ISO text, so the text is cut; PostgreSQL formats them with ``to_char``.

Parameters, in order: today (ISO text on SQLite, a ``date`` on PostgreSQL), the order id.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderview.csv_formula import sql_needs_quote


@dataclass(frozen=True, slots=True)
class _Dialect:
    name: str
    param: tuple[str, str]  # placeholders for (today, order id)
    contains: str  # "{v} holds {c}", NUL-safe
    date: str
    timestamp: str


_SQLITE = _Dialect(
    name="sqlite",
    param=("?", "?"),
    contains="instr({v}, {c}) > 0",
    date="coalesce({v}, '')",
    timestamp=(
        "CASE WHEN {v} IS NULL THEN '' "
        "ELSE substr({v}, 1, 10) || 'T' || substr({v}, 12, 8) || 'Z' END"
    ),
)
_POSTGRESQL = _Dialect(
    name="postgresql",
    param=("$1", "$2"),
    contains="strpos({v}, {c}) > 0",
    date="coalesce(to_char({v}, 'YYYY-MM-DD'), '')",
    timestamp="""coalesce(to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '')""",
)
_DIALECTS = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}


def _text(d: _Dialect, v: str) -> str:
    """A text cell: neutralised, then quoted if csv.writer would quote it."""
    quote = " OR ".join(d.contains.format(v=v, c=c) for c in ("','", "'\"'", "'\r'", "'\n'"))
    lead = sql_needs_quote(v, d.name)
    return (
        f"CASE WHEN {quote} THEN '\"' || CASE WHEN {lead} THEN '''' ELSE '' END"
        f" || replace({v}, '\"', '\"\"') || '\"'"
        f" WHEN {lead} THEN '''' || {v} ELSE coalesce({v}, '') END"
    )


def _integer(v: str) -> str:
    return (
        f"CASE WHEN {v} >= 0 THEN CAST({v} AS TEXT)"
        f" WHEN {v} < 0 THEN '''' || CAST({v} AS TEXT) ELSE '' END"
    )


def _boolean(v: str, before: str = "") -> str:
    return (
        f"CASE WHEN {v} THEN '{before}true' WHEN NOT {v} THEN '{before}false' ELSE '{before}' END"
    )


def _two_booleans(a: str, b: str) -> str:
    """Two adjacent boolean cells as one CASE (each ``||`` and CASE costs per row)."""
    return (
        f"CASE WHEN {a} THEN {_boolean(b, 'true,')} WHEN NOT {a} THEN {_boolean(b, 'false,')}"
        f" ELSE {_boolean(b, ',')} END"
    )


def license_lines(dialect: str) -> str:
    """SELECT of one text column per license of an order, in license id order: the 18 license
    cells of its export row, joined by commas (the order and customer cells go in front).
    Adjacent cells that are only a few fixed words share one CASE (≈10 % of the row's cost)."""
    d = _DIALECTS[dialect]
    today, order = d.param
    # license__status and license__enabled together: the status reads ``enabled`` anyway.
    status_enabled = (
        f"CASE WHEN l.enabled THEN CASE WHEN l.validity_period < {today} THEN 'Expired,true'"
        " WHEN l.times_activated > 0 THEN 'Active,true' ELSE 'Inactive,true' END"
        " WHEN NOT l.enabled THEN 'Disabled,false' ELSE 'Disabled,' END"
    )
    cells = [
        _text(d, "p.short_code"),
        _text(d, "l.license_key"),
        _text(d, "l.license_type"),
        status_enabled,
        f"CASE WHEN l.allow_unlimited_activations THEN 'unlimited'"
        f" ELSE {_integer('l.max_activations')} END",
        _integer("l.times_activated"),
        d.date.format(v="l.validity_period"),
        d.date.format(v="l.start_date"),
        _two_booleans("l.is_trial", "l.is_floating"),
        _integer("l.floating_users"),
        _text(d, "l.note"),
        d.timestamp.format(v="l.created_at"),
        _text(d, "l.user_email"),
        _text(d, "l.valid_duration"),
        _text(d, "l.maintenance_duration"),
        d.date.format(v="l.maintenance_period"),
    ]
    line = " || ',' || ".join(f"({c})" for c in cells)
    return (
        f"SELECT {line} FROM licenses l JOIN products p ON p.id = l.product_id"
        f" WHERE l.order_id = {order} ORDER BY l.id"
    )
