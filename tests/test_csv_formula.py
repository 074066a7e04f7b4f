"""A CSV cell whose first *visible* character is a formula trigger is neutralised, also behind
leading spaces, line feeds, NUL, zero-width characters or a BOM, and the two export paths (the
Python formatter and the SQL-built license cells) give the same bytes for them, on both
databases (issue 16, section 8)."""

from __future__ import annotations

import csv
import io

from orderview import export
from orderview.csv_formula import is_formula, needs_quote, neutralise, read_back
from orderview.db.engine import Database
from tests import factories as f

HIDDEN = [
    " =1+1",
    "   @SUM(A1)",
    '\n=HYPERLINK("http://evil.example")',
    "\n\n +1",
    "\x00=1",
    " \x00\x00 -2",
    "\u200b=1",
    "\ufeff=cmd|' /C calc'!A0",
    "\u200b\ufeff \u2060@x",
    "\u00a0=1",
    "\u3000+1",
    "\u202e=1",
    " \t=1",  # TAB is a trigger after the spaces too
    " \r=1",
]
NOT_FORMULAS = [
    "a=b",
    " x=",
    "1-2",
    "",
    " ",
    "\u200b",
    "\x00",
    "\n",
    "x\n=1",
    "日本=1",
    "'",
    "'x",
    "' x=",
    "x'=1",
]
# Not formulas (a leading ``'`` is text), but quoted once more so ``read_back`` is exact.
QUOTED = ["'=1", "''+1", "' =1", "'\u200b@x", "'\x00=1"]


def test_hidden_formulas_are_neutralised() -> None:
    for value in HIDDEN:
        assert is_formula(value), repr(value)
        assert neutralise(value) == "'" + value
        assert export.cell(value) == "'" + value
    for value in NOT_FORMULAS:
        assert not is_formula(value), repr(value)
        assert neutralise(value) == value
    for value in QUOTED:
        assert not is_formula(value) and needs_quote(value), repr(value)
        assert neutralise(value) == "'" + value
    for value in HIDDEN + NOT_FORMULAS + QUOTED:
        assert read_back(neutralise(value)) == value, repr(value)


async def _order(db: Database, values: list[str]) -> int:
    """An order whose licenses carry each value as note and key (as an import could)."""
    product, policy = await f.add_product(db, code="P1")
    oid = await f.add_order(db, "ORD-FORMULA", reference=values[0])
    for i, value in enumerate(values):
        await f.add_licenses(db, oid, product, 1, policy, keys=[f"{value[:25]}#{i}"], note=value)
    return oid


async def test_both_export_paths_neutralise_hidden_formulas_alike(db: Database) -> None:
    values = HIDDEN + NOT_FORMULAS + QUOTED
    if db.dialect == "postgresql":  # PostgreSQL text cannot hold a NUL
        values = [v for v in values if "\x00" not in v]
    oid = await _order(db, values)
    for size in (3, 1000):
        fast = [page async for page in export.iter_pages(db, oid, size)]
        reference = [page async for page in export._reference_pages(db, oid, size)]
        assert [p.split("\r\n") for p, _, _ in fast] == [p.split("\r\n") for p, _, _ in reference]
        assert fast == reference
    rows = list(csv.reader(io.StringIO("".join(p for p, _, _ in fast), newline="")))
    notes = [r[export.COLUMNS.index("license__note")] for r in rows]
    keys = [r[export.COLUMNS.index("license__license_key")] for r in rows]
    for i, value in enumerate(values):
        expected = "'" + value if needs_quote(value) else value
        assert notes[i] == expected, repr(value)
        assert keys[i] == neutralise(f"{value[:25]}#{i}"), repr(value)
    assert not any(is_formula(cell) for row in rows for cell in row)
    assert rows[0][export.COLUMNS.index("order__reference")] == "'" + values[0]
