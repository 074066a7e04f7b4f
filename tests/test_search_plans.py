"""The search statement reads through indexes: no table scan in SQLite's plan for any kind of
lookup (SQLite plans without statistics, so its plan does not depend on the data's size; the
PostgreSQL plans at 100,000 orders are checked by ``benchmarks/search.py``)."""

from __future__ import annotations

from orderview.db.engine import Database
from tests import factories as f
from tests.test_search_fast_path import _seed


async def test_every_lookup_is_an_index_range_on_sqlite(sqlite_db: Database) -> None:
    from benchmarks.search import plans

    keys = await _seed(sqlite_db)
    seats, _ = await f.add_product(sqlite_db, "SEAT", "Seat", "user")
    oid = await f.add_order(sqlite_db, "U-1")
    await f.add_licenses(sqlite_db, oid, seats, 0)
    texts = {
        "exact Order ID": "ACME-03",
        "Order ID": "acme-0",
        "reference": "PO-3",
        "customer email": "buyer@acme.example",
        "customer name": "ada lov",
        "license key": keys[0][:9],
        "user email": "someone@",
        "one letter": "a",
    }
    explained = await plans(sqlite_db, texts)
    for kind, statements in explained.items():
        assert statements, kind
        for statement in statements:
            assert not statement["full_scan"], (kind, statement["plan"])
            assert any("ix_licenses_user_email_lc" in line for line in statement["plan"]), kind
