"""The search runs its compiled statement on the pooled driver connection directly
(docs/benchmarks.md): it must give exactly what the same statement gives through SQLAlchemy,
and a driver error must take the ordinary path (so faults reach the operator as every other
statement's do)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta

import aiosqlite
import asyncpg
import pytest
from sqlalchemy import event

from orderview.db.engine import Database
from orderview.services import orders
from tests import factories as f


async def _seed(db: Database) -> list[str]:
    product_id, policy_id = await f.add_product(db)
    acme = await f.add_customer(db, email="buyer@acme.example", company_name="Acme")
    ada = await f.add_customer(
        db, email="ada@example.com", first_name="Ada", last_name="Lovelace", company_name=""
    )
    start = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
    for i in range(7):
        oid = await f.add_order(
            db,
            f"ACME-{i:02}",
            reference=f"PO-{i}",
            customer_id=acme if i % 2 else ada,
            created_at=start + timedelta(hours=i),
        )
        keys = await f.add_licenses(db, oid, product_id, i, policy_id)
    await f.add_order(db, "acme", reference="acme-ref")  # exact Order ID, no customer
    return keys


def _driver_fails(db: Database, monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    calls: list[str] = []

    async def fail(self, sql, *args):
        calls.append(sql)
        raise error

    if db.dialect == "sqlite":
        monkeypatch.setattr(aiosqlite.Connection, "execute_fetchall", fail)
    else:
        monkeypatch.setattr(asyncpg.connection.Connection, "fetch", fail)
    return calls


def _engine_statements(db: Database) -> list[str]:
    sent: list[str] = []
    event.listen(
        db.engine.sync_engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: sent.append(statement),
    )
    return sent


@pytest.mark.parametrize("failure", ["driver error", "connection gone"])
async def test_fast_path_gives_what_sqlalchemy_gives(
    db: Database, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    keys = await _seed(db)
    texts = ["acme", "ACME-0", "po-", "ada lov", "buyer@", keys[0][:6], "nothing", "a"]
    through_engine = _engine_statements(db)
    fast = {t: await orders.search_orders(db, t, limit=3) for t in texts}
    assert through_engine == []  # every search went to the driver directly
    # The exact Order ID leads, then the newest of the best kind of match (docs/invariants.md).
    assert [s.store_id for s in fast["acme"].items] == ["acme", "ACME-06", "ACME-05"]
    assert fast["acme"].has_more and not fast["nothing"].items
    second = fast["acme"].items[1]
    assert (second.is_test, second.is_trial, second.license_count) == (False, False, 6)
    assert (second.customer, fast["acme"].items[0].customer) == ("Ada Lovelace", "")
    assert second.created_at == datetime(2026, 1, 1, 18, 0, 5, tzinfo=UTC)  # the model type
    assert isinstance(second.is_test, bool)
    error: Exception
    if db.dialect == "sqlite":
        error = (
            sqlite3.OperationalError("disk I/O error")
            if failure == "driver error"
            else ValueError("Connection closed")
        )
    else:
        error = (
            asyncpg.PostgresError("boom")
            if failure == "driver error"
            else ConnectionResetError("connection reset")
        )
    calls = _driver_fails(db, monkeypatch, error)
    for text in texts:
        assert await orders.search_orders(db, text, limit=3) == fast[text], text
    assert len(calls) == len(texts)  # each search tried the driver, then the ordinary path
    assert len(through_engine) == len(texts)


async def test_results_match_on_both_backends(db: Database) -> None:
    keys = await _seed(db)
    found = await orders.search_orders(db, keys[-1][:9].lower())
    assert [s.store_id for s in found.items] == ["ACME-06"]
    first = await orders.search_orders(db, "acme", 2)
    assert [s.store_id for s in first.items] == ["acme", "ACME-06"] and first.has_more
    more = await orders.search_more(db, "acme", {s.id for s in first.items})
    assert [s.store_id for s in more.items] == [
        "ACME-05",
        "ACME-04",
        "ACME-03",
        "ACME-02",
        "ACME-01",
        "ACME-00",
    ]
    assert [s.license_count for s in more.items] == [5, 4, 3, 2, 1, 0]
    assert {s.customer for s in more.items} == {"Acme", "Ada Lovelace"}


async def test_cancelled_search_leaves_the_pool_usable(db: Database) -> None:
    """A search cancelled while the driver works (a newer keystroke) must not hand a busy
    connection back to the pool: the next searches work."""
    await _seed(db)
    for turns in range(8):  # cancelled at a different point each time
        task = asyncio.ensure_future(orders.search_orders(db, "acme"))
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for _ in range(6):  # more than the pool holds
        assert [s.store_id for s in (await orders.search_orders(db, "acme-0", 2)).items] == [
            "ACME-06",
            "ACME-05",
        ]
