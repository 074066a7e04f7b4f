"""Engine and session setup for SQLite (embedded default) and PostgreSQL (shared desks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from orderview.db import faults

SQLITE_BUSY_TIMEOUT_MS = 5000
# PostgreSQL: how long a statement waits for a row another desk holds (the same bound as
# SQLite's busy timeout: a stuck or idle-in-transaction session must not freeze a save for
# good), and for a connection over a dead network (asyncpg's own default is 60 s).
PG_LOCK_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10


POSTGRES_DRIVER_MISSING = ("PostgreSQL needs its driver, asyncpg: install orderview with the "
                           "postgres extra (pip install 'orderview[postgres]')")


class DatabaseURLError(ValueError):
    """The --db value is neither a usable path nor a supported SQLAlchemy URL."""


def normalize_url(db: str) -> URL:
    """Turn a file path or URL into an async SQLAlchemy URL.

    Plain paths become ``sqlite+aiosqlite:///<absolute path>``; ``sqlite://`` and
    ``postgresql://`` (and ``postgres://``) get their async drivers.
    """
    db = db.strip()
    if not db:
        raise DatabaseURLError("empty database location")
    if "://" not in db:
        path = Path(db).expanduser().resolve()
        return URL.create("sqlite+aiosqlite", database=str(path))
    try:
        url = make_url(db)
    except ArgumentError:
        raise DatabaseURLError(f"malformed database URL: {db!r}") from None
    except ValueError as exc:
        raise DatabaseURLError(f"malformed database URL: {exc}") from None
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    raise DatabaseURLError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (see _sqlite_on_begin), as SQLAlchemy's aiosqlite docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    """Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE), so two operators
    queue on the busy timeout instead of failing with a lock upgrade error mid-transaction."""
    options = conn.get_execution_options()
    if options.get("orderview_one_statement", False):
        return  # one SELECT is a consistent snapshot by itself: spare the driver two round trips
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("orderview_write", False) else "BEGIN")


def create_engine(url: URL) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        faults.install(engine)
        return engine
    try:
        engine = create_async_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=5,
            connect_args={"timeout": PG_CONNECT_TIMEOUT_S,
                          "server_settings": {"lock_timeout": str(PG_LOCK_TIMEOUT_MS)}},
        )
    except ModuleNotFoundError as exc:  # the driver is an extra: SQLite users need none
        if exc.name != "asyncpg":
            raise
        raise DatabaseURLError(POSTGRES_DRIVER_MISSING) from None
    faults.install(engine)
    return engine


@dataclass
class Database:
    """One engine and its session factory; what services receive."""

    url: URL
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def display(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits on success, rolls back on any exception.

        On SQLite it starts with BEGIN IMMEDIATE; on PostgreSQL use ``with_for_update()`` on the
        rows whose version you check.
        """
        async with self.sessions() as session:
            await session.connection(execution_options={"orderview_write": True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(db: str) -> Database:
    """Create the engine (no I/O yet); call ``orderview.db.migrate.ensure_schema`` next."""
    url = normalize_url(db)
    engine = create_engine(url)
    return Database(url, engine, async_sessionmaker(engine, expire_on_commit=False))
