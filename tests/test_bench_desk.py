"""``make bench-desk``'s harness cannot rot: two operators for two seconds on a tiny demo
database, on SQLite and on PostgreSQL, through the real worker processes — every action is
measured, the audit trail is walked (no lost update) and nothing failed; and the lost-update
check does catch a write the audit trail does not explain."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import update

from benchmarks import desk_workers
from benchmarks.common import run_demo
from benchmarks.desk import pg_series, sqlite_series
from benchmarks.desk_check import check, mark
from benchmarks.desk_operator import ACTIONS, next_reference
from benchmarks.desk_report import block
from benchmarks.desk_workers import Run
from orderview.db.engine import open_database
from orderview.db.models import Order
from orderview.roles import Actor
from orderview.services import order_edit, orders

ORDERS = 40
SECONDS = 2.0
THINK = 0.05  # pauses of a person ÷ 20: many rounds in two seconds


@pytest.fixture(autouse=True)
def quick_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk_workers, "START_AFTER", 1.0)


def assert_sound(run: Run) -> None:
    for action in ACTIONS:
        assert run.tally.times[action], f"{action} never measured"
    assert run.tally.errors == []
    assert run.check.lost == 0, run.check.problems
    assert run.check.events == run.tally.saves > 0
    assert run.check.licenses == run.tally.issued > 0


def test_desk_on_sqlite(tmp_path: Path) -> None:
    source = tmp_path / "tiny.db"
    run_demo(str(source), ORDERS)
    runs = asyncio.run(sqlite_series(source, [2], SECONDS, 2, THINK, writers_only=False))
    assert_sound(runs[0])
    assert runs[0].peak_connections is None
    text = block("test", [], "", [("paced", runs)], "tiny")
    assert "| 2 | paced |" in text and "Lost updates" not in text


def test_desk_on_postgresql(pg_url: str) -> None:
    import asyncpg

    admin = pg_url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    name = f"orderview_desk_tiny_{os.getpid()}"

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(f"{admin}/postgres")
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(sql(f'CREATE DATABASE "{name}"'))
    try:
        template = f"{admin}/{name}"
        run_demo(template, ORDERS)
        runs = asyncio.run(pg_series(template, [2], SECONDS, 2, THINK, copy_name=f"{name}_run"))
    finally:
        asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    assert_sound(runs[0])
    assert runs[0].peak_connections is not None and runs[0].peak_connections >= 2
    text = block("test", runs, "tiny", [], "")
    assert "| 2 | 2 |" in text and "Lost updates: 0 (must be 0)" in text


async def test_check_catches_a_write_the_trail_does_not_explain(tmp_path: Path) -> None:
    path = tmp_path / "tiny.db"
    await asyncio.to_thread(run_demo, str(path), ORDERS)
    db = open_database(str(path))
    try:
        first = (await orders.recent_orders(db, limit=2)).items
        ids = [s.id for s in first]
        before = await mark(db, ids)
        detail = await orders.get_order(db, ids[0])
        change = {"reference": next_reference(detail.reference)}
        await order_edit.update_order(db, Actor("a", "operator"), ids[0], detail.version, change)
        assert (await check(db, before, saves=1, issued=0)).lost == 0
        async with db.sessions.begin() as s:  # a save that bypassed the version and the trail
            await s.execute(update(Order).where(Order.id == ids[0]).values(reference="DESK-9"))
        found = await check(db, before, saves=1, issued=0)
        assert found.lost == 1 and "row holds" in found.problems[0]
        assert (await check(db, before, saves=2, issued=0)).lost == 2  # a save not in the trail
    finally:
        await db.dispose()


def test_write_block_replaces_only_its_block_or_appends_it(tmp_path: Path) -> None:
    from benchmarks.common import write_block
    from benchmarks.desk import BEGIN, END

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    write_block(doc, BEGIN, END, "first", "## A busy desk")
    assert doc.read_text(encoding="utf-8").endswith(f"## A busy desk\n\n{BEGIN}\nfirst\n{END}\n")
    doc.write_text(doc.read_text(encoding="utf-8") + "\nprose kept\n", encoding="utf-8")
    write_block(doc, BEGIN, END, "second", "## A busy desk")
    text = doc.read_text(encoding="utf-8")
    assert "first" not in text and f"{BEGIN}\nsecond\n{END}" in text
    assert text.count("## A busy desk") == 1 and "intro" in text and "prose kept" in text
