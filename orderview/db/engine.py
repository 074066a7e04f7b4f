"""Engine and session setup for SQLite (embedded default) and PostgreSQL (shared desks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import URL, CursorResult, Result, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from orderview.db import faults, pgurl, sqlite_file
from orderview.redact import mask_secrets
from orderview.services.errors import ReadOnlyDatabase

SQLITE_BUSY_TIMEOUT_MS = 5000
# PostgreSQL: how long a statement waits for a row another desk holds (the same bound as
# SQLite's busy timeout: a stuck or idle-in-transaction session must not freeze a save for
# good), and for a connection over a dead network (asyncpg's own default is 60 s).
PG_LOCK_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10


POSTGRES_DRIVER_MISSING = (
    "PostgreSQL needs its driver, asyncpg: install orderview with the "
    "postgres extra (pip install 'orderview[postgres]')"
)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through ``AsyncSession.execute`` changed (0 when
    the driver cannot tell). SQLAlchemy types that result as a plain ``Result``, but a DML
    statement's is always a ``CursorResult``, which alone carries ``rowcount``."""
    return cast("CursorResult[Any]", result).rowcount or 0


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


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, read_only: bool = False) -> None:
    # We emit BEGIN ourselves (see _sqlite_on_begin), as SQLAlchemy's aiosqlite docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if not read_only:  # switching to WAL writes the file
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_connect_read_only(dbapi_connection: Any, record: Any) -> None:
    _sqlite_on_connect(dbapi_connection, record, read_only=True)


def _sqlite_on_begin(conn: Any) -> None:
    """Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE), so two operators
    queue on the busy timeout instead of failing with a lock upgrade error mid-transaction."""
    options = conn.get_execution_options()
    if options.get("orderview_one_statement", False):
        return  # one SELECT is a consistent snapshot by itself: spare the driver two round trips
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("orderview_write", False) else "BEGIN")


def create_engine(url: URL, read_only: bool = False, pool_size: int = 5) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        path = sqlite_file.file_path(url)
        if path is not None:
            # A new database is created 0600 (in 0700 directories) before SQLite opens it;
            # its -wal/-shm files take the database's mode (orderview/db/sqlite_file.py).
            def create(*_: Any) -> None:
                sqlite_file.create_private(path)

            event.listen(engine.sync_engine, "do_connect", create)
        event.listen(
            engine.sync_engine,
            "connect",
            _sqlite_on_connect_read_only if read_only else _sqlite_on_connect,
        )
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        faults.install(engine)
        return engine
    try:  # libpq's sslmode, connect_timeout, … as asyncpg's arguments (orderview/db/pgurl.py)
        engine_url, connect_args = pgurl.connect_args(
            url, PG_CONNECT_TIMEOUT_S, {"lock_timeout": str(PG_LOCK_TIMEOUT_MS)}
        )
    except pgurl.ParameterError as exc:
        raise DatabaseURLError(str(exc)) from None
    try:
        engine = create_async_engine(
            engine_url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args=connect_args,
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
    # Why changes are off (a read-only file or filesystem), or None; reading still works.
    read_only: str | None = None
    # One line each for the operator: the file is readable by other users.
    warnings: tuple[str, ...] = ()

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def display(self) -> str:
        """The URL for messages: no password, no secret parameter."""
        return mask_secrets(self.url.render_as_string(hide_password=True))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits on success, rolls back on any exception.

        On SQLite it starts with BEGIN IMMEDIATE; on PostgreSQL use ``with_for_update()`` on the
        rows whose version you check.
        """
        self.check_writable()
        async with self.sessions() as session:
            await session.connection(execution_options={"orderview_write": True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    def check_writable(self) -> None:
        """Every write asks first: on a read-only database the operator reads why at once."""
        if self.read_only is not None:
            raise ReadOnlyDatabase(self.read_only)

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(db: str, pool_size: int = 5) -> Database:
    """Create the engine (no I/O yet); call ``orderview.db.migrate.ensure_schema`` next.
    ``pool_size``: PostgreSQL connections kept (as many again may open under load)."""
    url = normalize_url(db)
    state = sqlite_file.inspect(url)
    engine = create_engine(state.url, read_only=state.read_only is not None, pool_size=pool_size)
    return Database(
        url,
        engine,
        async_sessionmaker(engine, expire_on_commit=False),
        state.read_only,
        (state.warning,) if state.warning else (),
    )
