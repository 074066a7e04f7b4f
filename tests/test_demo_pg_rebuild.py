"""The demo's PostgreSQL rebuild on several connections (``orderview.demo_pg_rebuild``): every
foreign key ends validated, nothing of the rebuild is left behind, and a run interrupted after the
rows committed (tables without their indexes) is redone by ``--force`` into the migrated schema.
Runs in a database of its own: an interrupted demo there leaves a schema no other test wants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from orderview import demo_pg, demo_pg_rebuild
from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.demo import DemoRefused, generate_demo
from tests.conftest import PG_ADMIN_URL, PG_TEST_DB
from tests.test_demo_paths import _PG_SCHEMA

NAME = f"{PG_TEST_DB}_rebuild"


class Killed(Exception):
    """The process dying mid-rebuild."""


@pytest.fixture
async def own_pg(pg_url: str) -> AsyncIterator[Database]:
    admin = PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{NAME}"')
    db = open_database(pg_url.rsplit("/", 1)[0] + f"/{NAME}")
    try:
        await ensure_schema(db)
        yield db
    finally:
        await db.dispose()
        await conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await conn.close()


async def _schema(db: Database) -> set[tuple[Any, ...]]:
    async with db.engine.connect() as c:
        return set((await c.execute(text(_PG_SCHEMA))).all())


async def _state(db: Database) -> tuple[list[Any], Any, int]:
    async with db.engine.connect() as c:
        unchecked = (
            await c.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE contype = 'f' "
                    "AND connamespace = current_schema()::regnamespace AND NOT convalidated"
                )
            )
        ).all()
        pending = await c.scalar(text(f"SELECT to_regclass('{demo_pg_rebuild.PENDING}')"))
        analysed = await c.scalar(
            text("SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        )
    return list(unchecked), pending, int(analysed or 0)


async def test_rebuild_validates_every_foreign_key_and_leaves_nothing(own_pg: Database) -> None:
    migrated = await _schema(own_pg)
    await generate_demo(own_pg, 300, seed=4)
    assert await _schema(own_pg) == migrated
    unchecked, pending, analysed = await _state(own_pg)
    assert unchecked == [] and pending is None
    assert analysed >= len(demo_pg.SEQUENCED)


async def test_an_interrupted_rebuild_is_redone_by_force(
    own_pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated = await _schema(own_pg)
    real = demo_pg.rebuild

    async def interrupted(
        db: Database,
        definitions: Sequence[demo_pg_rebuild.Definition],
        tables: Sequence[str],
        after_keys: Sequence[str] = (),
    ) -> None:
        # a few indexes back (the next run must drop them again), then the process dies
        async with db.engine.begin() as c:
            for d in [d for d in definitions if not d.contype][:3]:
                await c.execute(text(d.definition))
        raise Killed

    monkeypatch.setattr(demo_pg, "rebuild", interrupted)
    with pytest.raises(Killed):
        await generate_demo(own_pg, 300, seed=4)
    broken = await _schema(own_pg)
    assert broken != migrated and not any("FOREIGN KEY" in r[2] for r in broken)
    assert (await _state(own_pg))[1] is not None  # the definitions are kept

    monkeypatch.setattr(demo_pg, "rebuild", real)
    with pytest.raises(DemoRefused):
        await generate_demo(own_pg, 300, seed=4)
    stats = await generate_demo(own_pg, 300, seed=4, force=True)
    assert await _schema(own_pg) == migrated
    unchecked, pending, _ = await _state(own_pg)
    assert unchecked == [] and pending is None
    async with own_pg.engine.connect() as c:
        assert await c.scalar(text("SELECT count(*) FROM licenses")) == stats.licenses


async def test_a_failing_statement_stops_the_rebuild_and_force_redoes_it(
    own_pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One connection's statement fails while the other builds: the error surfaces, the other
    statement is stopped, and neither connection goes back to the pool mid-transaction (the
    next demo on the same engine works)."""
    migrated = await _schema(own_pg)
    real = demo_pg_rebuild._statement

    async def failing(pg: Any, *sql: str) -> None:
        if any("ix_orders_customer_id" in line for line in sql):
            sql = (*sql, "SELECT 1 / 0")
        await real(pg, *sql)

    monkeypatch.setattr(demo_pg_rebuild, "_statement", failing)
    with pytest.raises(asyncpg.DivisionByZeroError):
        await generate_demo(own_pg, 300, seed=4)
    monkeypatch.setattr(demo_pg_rebuild, "_statement", real)
    await generate_demo(own_pg, 300, seed=4, force=True)
    assert await _schema(own_pg) == migrated
    assert (await _state(own_pg))[:2] == ([], None)
