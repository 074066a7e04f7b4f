"""The demo's fast paths (issue 22): the same seed gives the same database on SQLite and
PostgreSQL, whatever process generated which task; the schema after the load (indexes and
constraints dropped, then recreated) is exactly the migrated one; keys are unique by
construction; the progress line stays quiet on slow links."""

from __future__ import annotations

import io
import random
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from orderview import demo_plan
from orderview.db.engine import Database
from orderview.db.models import Base
from orderview.demo import generate_demo
from orderview.demo_keys import demo_keys, scramble
from orderview.demo_progress import ProgressLine, Tally
from orderview.keys import is_valid_key

ORDERS = 3000  # several tasks of each kind at the sizes set below, and a giant order


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks small enough that 3,000 orders make several of each kind (in this process)."""
    monkeypatch.setattr(demo_plan, "ORDERS_PER_TASK", 700)
    monkeypatch.setattr(demo_plan, "CUSTOMERS_PER_TASK", 500)
    monkeypatch.setattr(demo_plan, "LICENSES_PER_PIECE", 400)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return ("dt", value.isoformat())  # UTCDateTime reads back aware UTC on both
    if isinstance(value, date):
        return ("date", value.isoformat())
    if isinstance(value, bool):
        return ("bool", value)
    return value


async def _rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = await conn.execute(table.select().order_by(table.c.id))
            out[table.name] = [tuple(_canonical(v) for v in row) for row in rows]
    return out


async def test_same_seed_same_database_on_sqlite_and_postgresql(
    small_tasks: None, sqlite_db: Database, pg_db: Database
) -> None:
    tasks, _ = demo_plan.tasks(5, ORDERS)
    kinds = [t.kind for t in tasks]
    assert kinds.count("customers") >= 3 and kinds.count("orders") >= 4
    assert kinds.count("giant") >= 3  # a giant order written in several pieces
    stats = await generate_demo(sqlite_db, ORDERS, seed=5)
    assert (await generate_demo(pg_db, ORDERS, seed=5)).licenses == stats.licenses
    lite, pg = await _rows(sqlite_db), await _rows(pg_db)
    assert len(lite["licenses"]) == stats.licenses and lite["devices"] and lite["mail_attempts"]
    for table in lite:
        assert lite[table] == pg[table], table


async def test_rows_do_not_depend_on_which_process_made_them(tmp_path: Path) -> None:
    """Worker processes (spawned: they see none of this test's settings) give what this
    process gives; the same seed twice the same rows, another seed other rows."""
    from tests.test_demo import _fresh

    snaps = []
    for name, seed, workers in (("a", 9, 0), ("b", 9, 1), ("c", 10, 0)):
        db = await _fresh(tmp_path / f"{name}.db")
        await generate_demo(db, ORDERS, seed=seed, workers=workers)
        snaps.append(await _rows(db))
        await db.dispose()
    assert snaps[0] == snaps[1]
    assert snaps[0]["licenses"] != snaps[2]["licenses"]
    keys = [{r[4] for r in s["licenses"]} - {None} for s in snaps]
    assert keys[0] and not keys[0] & keys[2]


def _sqlite_schema(path: str) -> set[tuple[str, ...]]:
    conn = sqlite3.connect(path)
    try:
        return set(
            conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_stat%'"
            )
        )
    finally:
        conn.close()


_PG_SCHEMA = """
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
"""


async def test_schema_after_the_load_is_the_migrated_one(
    small_tasks: None, sqlite_db: Database, pg_db: Database, sqlite_template: Path
) -> None:
    await generate_demo(sqlite_db, 400, seed=3)
    path = sqlite_db.url.database
    assert path and _sqlite_schema(path) == _sqlite_schema(str(sqlite_template))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0  # analysed
    conn.close()

    async with pg_db.engine.connect() as c:
        before = set((await c.execute(text(_PG_SCHEMA))).all())
    await generate_demo(pg_db, 400, seed=3)
    async with pg_db.engine.connect() as c:
        after = set((await c.execute(text(_PG_SCHEMA))).all())
        assert any("FOREIGN KEY" in r[2] for r in after) and any(r[0] == "index" for r in after)
        # sequences moved past the demo's ids: the next order gets the next id
        nxt = await c.scalar(text("SELECT nextval(pg_get_serial_sequence('orders', 'id'))"))
        assert nxt == 401
    assert after == before


def test_keys_are_unique_by_construction_and_well_formed() -> None:
    rng = random.Random(1)
    keys = demo_keys(rng, 1, 5000) + demo_keys(rng, 5001, 5000)
    assert len(set(keys)) == len(keys) == 10_000 and all(is_valid_key(k) for k in keys)
    # the same ids with other random bits: other keys (the id alone does not make the key)
    assert not set(demo_keys(random.Random(2), 1, 5000)) & set(keys)
    # the scramble is a bijection: distinct inputs that differ in one bit stay distinct
    inputs = [1 << b for b in range(80)] + [(1 << 80) - 1 - (1 << b) for b in range(80)]
    assert len({scramble(x) for x in inputs}) == len(inputs)
    with pytest.raises(ValueError):
        demo_keys(rng, 1 << 40, 1)


class _Out(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _tallies(n: int) -> list[Tally]:
    return [Tally(i * 10, i * 100, n * 100, i, n, i * 0.01) for i in range(1, n + 1)]


def test_progress_line_on_a_terminal_is_rewritten_a_few_times_a_second() -> None:
    now = [0.0]
    out = _Out(tty=True)
    line = ProgressLine(out, clock=lambda: now[0])
    for tally in _tallies(100):  # 100 tallies in 1 s: at most ~4 paints, and the last one
        now[0] += 0.01
        line(tally)
    line.end()
    text_out = out.getvalue()
    assert "\n" not in text_out[:-1] and text_out.endswith("\n")
    assert 2 <= text_out.count("\r") <= 6
    last = text_out.rsplit("\r", 1)[1]
    assert "100/100 orders" in last and "rows/s" in last and "0:00 left" in last


def test_progress_in_a_log_is_a_line_per_tenth() -> None:
    out = _Out(tty=False)
    line = ProgressLine(out)
    for tally in _tallies(1000):
        line(tally)
    lines = out.getvalue().splitlines()
    assert 9 <= len(lines) <= 11 and "\r" not in out.getvalue()
    assert "1,000/1,000 orders" in lines[-1] and "left" in lines[0]
