"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and seeded data.

``db`` is parametrised over both backends; service tests use it. PostgreSQL tests skip when the
server is unreachable, except under CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import Base

PG_ADMIN_URL = os.environ.get(
    "ORDERVIEW_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
PG_TEST_DB = f"orderview_test_{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    os.environ.pop("ORDERVIEW_DB", None)
    os.environ.setdefault("ORDERVIEW_OPERATOR", "tester")
    os.environ.pop("ORDERVIEW_CONFIG", None)
    # The app refuses TERM=dumb or no TERM (tests/test_ship_cli.py); CI may set none.
    os.environ.setdefault("TERM", "xterm-256color")
    # Log files of every test run go to one throw-away directory, not the user's log directory.
    import tempfile

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="orderview-test-state-")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = open_database(str(path))
        await ensure_schema(db)
        await db.dispose()

    asyncio.run(build())
    return path


def _pg_reachable() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(
                PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"), timeout=3
            )
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A fresh migrated PostgreSQL database for this test process, dropped at the end."""
    if not _pg_reachable():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} (CI=true: not skipping)")
        pytest.skip("PostgreSQL unreachable")
    import asyncpg

    admin = PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
        await conn.close()
        db = open_database(url)
        await ensure_schema(db)
        await db.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')
        await conn.close()

    asyncio.run(create())
    yield url
    asyncio.run(drop())


async def _truncate_pg(db: Database) -> None:
    from sqlalchemy import text

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_path(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "orderview.db"
    shutil.copy(sqlite_template, path)
    return path


async def _open(url: str) -> Database:
    db = open_database(url)
    if db.dialect == "postgresql":
        await _truncate_pg(db)
    return db


@pytest.fixture
async def sqlite_db(sqlite_path: Path) -> AsyncIterator[Database]:
    db = await _open(str(sqlite_path))
    yield db
    await db.dispose()


@pytest.fixture
async def pg_db(pg_url: str) -> AsyncIterator[Database]:
    db = await _open(pg_url)
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database location on each backend (PostgreSQL is truncated when opened)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_path"))
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """The same test on both backends."""
    db = await _open(db_url)
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, sqlite_path: Path) -> tuple[str, int]:
    """(url, hypothesis examples) for the property tests: SQLite gets the full run, PostgreSQL
    a smaller one."""
    if request.param == "sqlite":
        return str(sqlite_path), 60
    return request.getfixturevalue("pg_url"), 20
