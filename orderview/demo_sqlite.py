"""The demo's SQLite fast path: one transaction of prepared ``executemany`` on plain tuples.

Why a separate stdlib ``sqlite3`` connection to the file, driven from one dedicated thread,
rather than the app's aiosqlite engine: aiosqlite already runs each call in its own thread, but
every ``executemany`` then crosses a queue and SQLAlchemy's parameter processing (≈10 µs a row
of 40 columns, most of the old demo's time); the stdlib connection binds tuples in C. A thread,
not a process: the connection must live in the process that receives the generated rows (a
second process would mean a second copy of every row through a pipe), and ``sqlite3`` releases
the GIL while it steps, so the thread overlaps the event loop that collects the next task's
rows. One thread only (``max_workers=1``): the connection is only ever used from it.

For the load the app's engine is closed (its pooled connections hold the file in WAL mode), the
journal is switched from WAL to a rollback journal (loading into an empty file, a rollback
journal records almost nothing, where WAL writes every page twice), ``synchronous=OFF`` and a
fixed page cache are set, and the secondary indexes are dropped and recreated after the load
from their exact saved ``CREATE INDEX`` text (indexes built from sorted data, not row by row),
with the load's cache given back first (``demo_memory``: memory flat whatever ``--orders``).
Indexes that back UNIQUE constraints cannot be dropped and stay. Foreign keys stay on: tasks are
written parents first. The transaction is committed only when everything, indexes included, is
in; a failure rolls back to the empty schema. Then WAL again, and ``ANALYZE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orderview.db.engine import Database
from orderview.demo_memory import release_page_cache, trim_heap

LOAD_PRAGMAS = (
    "PRAGMA journal_mode=DELETE",
    "PRAGMA synchronous=OFF",
    "PRAGMA foreign_keys=ON",
    # 256 MB, as much at 10M licenses as at 10k: the unique key index is written row by row;
    # the sorts of the index builds spill to temporary files (``temp_store`` stays FILE).
    "PRAGMA cache_size=-262144",
    "PRAGMA threads=2",  # the index builds' sorts may use a helper thread (2 cores)
    "PRAGMA busy_timeout=5000",
)
# The index builds' cache, and the size of each in-memory run of their sorts: a sort keeps up to
# (threads + 1) runs of it, so the builds stay under the load's peak (docs/benchmarks.md).
SORT_CACHE_KB = 32768
Batch = tuple[str, tuple[str, ...], Iterable[tuple[Any, ...]]]


def sqlite_file(db: Database) -> str:
    path = db.url.database
    if not path or path == ":memory:":
        raise ValueError("the demo's SQLite fast path needs a database file")
    return path


class SQLiteSink:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.path = sqlite_file(db)
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-sqlite")
        self.conn: sqlite3.Connection | None = None
        self.indexes: list[str] = []
        self.statements: dict[tuple[str, tuple[str, ...]], str] = {}

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.thread, fn, *args)

    async def start(self) -> None:
        await self.db.engine.dispose()
        await self._run(self._start)

    def _start(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn = conn
        for pragma in LOAD_PRAGMAS:
            conn.execute(pragma)
        self.indexes = [
            sql
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "ORDER BY rowid"
            )
        ]
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        ]
        conn.execute("BEGIN IMMEDIATE")
        for name in names:
            conn.execute(f'DROP INDEX "{name}"')

    async def write(self, batches: list[Batch]) -> None:
        await self._run(self._write, batches)

    def _write(self, batches: list[Batch]) -> None:
        assert self.conn is not None
        for table, cols, rows in batches:
            sql = self.statements.get((table, cols))
            if sql is None:
                sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
                self.statements[(table, cols)] = sql
            self.conn.executemany(sql, rows)

    async def set_passwords(self, rows: list[tuple[Any, ...]]) -> None:
        await self._run(
            self._write_sql,
            "UPDATE license_managers SET password_hash = ?, is_initial_password = ? WHERE id = ?",
            rows,
        )

    def _write_sql(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        assert self.conn is not None
        self.conn.executemany(sql, rows)

    async def finish(self) -> None:
        try:
            await self._run(self._finish)
        finally:
            self.thread.shutdown()

    def _finish(self) -> None:
        conn = self.conn
        assert conn is not None
        # An index build's sort keeps up to a page cache's worth in memory per sorting thread
        # (with the load's 256 MB: ≈1.2 GB at ten million licenses). The load's cache, dirty
        # pages of the open transaction, is written out and handed back first, or the sorts'
        # memory came on top of it (``demo_memory``); the heap is trimmed after each build.
        conn.execute(f"PRAGMA cache_size=-{SORT_CACHE_KB}")
        release_page_cache(conn, self.path)
        for sql in self.indexes:
            conn.execute(sql)
            trim_heap()
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
        self.conn = None

    async def abort(self) -> None:
        try:
            await self._run(self._abort)
        finally:
            self.thread.shutdown()

    def _abort(self) -> None:
        """Back to the empty schema; cleaning up must not hide the error that got us here."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
