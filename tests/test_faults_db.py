"""Database faults: a clear line (dialog status, notification or CLI error), the app keeps
running, nothing is half written, and the same action succeeds once the fault clears.

- SQLite read-only: the file is chmod 444, and since root ignores that, every connection is also
  switched to ``PRAGMA query_only`` while the fault lasts (the same SQLITE_READONLY error).
- SQLite locked by another writer past the busy timeout (shortened to 0.3 s for the test).
- PostgreSQL unreachable mid-session: the app talks to it through a TCP proxy on 127.0.0.1
  that the test stops (dropping every connection) and starts again; the real server is never
  stopped.
- PostgreSQL ending our sessions as a stopping or restarting server does (FATAL 57P01 through
  ``pg_terminate_backend``): in the middle of a write, and to every idle pooled connection
  between two actions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.order import OrderScreen
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from orderview.cli import exit_codes
from orderview.db import engine as engine_module
from orderview.db.engine import Database, open_database
from orderview.db.models import AuditEvent
from orderview.services import order_edit, orders
from orderview.services.errors import DatabaseUnavailable
from tests import factories as f
from tests.conftest import _truncate_pg
from tests.ui_support import SIZE, make_app, screen_text, wait_for

ROOT = Path(__file__).resolve().parent.parent


class ReadOnly:
    """Make a SQLite database read-only and writable again, for root and everyone else."""

    def __init__(self, db: Database, path: Path) -> None:
        self.path = path
        self.on = False
        event.listen(db.engine.sync_engine, "checkout", self._checkout)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA query_only={'ON' if self.on else 'OFF'}")
        cursor.close()

    def __enter__(self) -> ReadOnly:
        self.on = True
        self.path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        return self

    def __exit__(self, *exc: object) -> None:
        self.on = False
        self.path.chmod(stat.S_IRUSR | stat.S_IWUSR)


async def audit_count(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count(AuditEvent.id))) or 0)


async def test_sqlite_read_only_service_then_writable(sqlite_db: Database, sqlite_path: Path):
    oid = await f.add_order(sqlite_db, "ORD-RO")
    with ReadOnly(sqlite_db, sqlite_path), pytest.raises(DatabaseUnavailable) as caught:
        await order_edit.update_order(sqlite_db, "t", oid, 1, {"reference": "new"})
    assert "read-only" in str(caught.value) and "\n" not in str(caught.value)
    detail = await orders.get_order(sqlite_db, oid)
    assert (detail.reference, detail.version) == ("", 1)  # nothing half written
    assert await audit_count(sqlite_db) == 0
    detail = await order_edit.update_order(sqlite_db, "t", oid, 1, {"reference": "new"})
    assert (detail.reference, detail.version) == ("new", 2)


async def test_sqlite_read_only_in_the_edit_dialog(sqlite_db: Database, sqlite_path: Path):
    oid = await f.add_order(sqlite_db, "ORD-RO")
    fault = ReadOnly(sqlite_db, sqlite_path)
    app = make_app(sqlite_db, open_store_id="ORD-RO")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order",
        )
        screen = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="dialog")
        dialog = app.screen
        await pilot.press(*"REF-9")
        with fault:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "read-only" in screen_text(app), what="message")
            assert app.screen is dialog and app.is_running  # dialog open, typed text kept
            assert dialog.query_one("#reference").value == "REF-9"
        await pilot.press("ctrl+s")  # the same action, fault cleared
        await wait_for(
            pilot, lambda: app.screen is screen and screen.detail.version == 2, what="saved"
        )
    assert (await orders.get_order(sqlite_db, oid)).reference == "REF-9"
    assert await audit_count(sqlite_db) == 1


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another program holding SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_sqlite_locked_past_the_busy_timeout(
    sqlite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
    db = open_database(str(sqlite_path))
    try:
        oid = await f.add_order(db, "ORD-LK")
        with write_lock(sqlite_path), pytest.raises(DatabaseUnavailable) as caught:
            await order_edit.update_order(db, "t", oid, 1, {"reference": "x"})
        assert "locked" in str(caught.value)
        assert (await orders.get_order(db, oid)).version == 1
        assert (await order_edit.update_order(db, "t", oid, 1, {"reference": "x"})).version == 2
    finally:
        await db.dispose()


def test_cli_read_only_is_one_line(sqlite_path: Path, tmp_path: Path) -> None:
    """``orderview issue`` against a database it cannot write: one line, exit 1, no traceback.
    (Root writes through chmod, so the file is opened read-only by URL instead.)"""

    async def seed() -> None:
        db = open_database(str(sqlite_path))
        await f.add_product(db, "APP")
        await f.add_order(db, "ORD-CLI")
        await db.dispose()

    asyncio.run(seed())
    sqlite_path.chmod(0o444)
    url = f"sqlite:///file:{sqlite_path}?mode=ro&uri=true"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "issue",
            "--db",
            url,
            "--operator",
            "t",
            "--product",
            "APP",
            "ORD-CLI",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    sqlite_path.chmod(0o644)
    assert run.returncode == exit_codes.DB_UNAVAILABLE, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orderview: error:"), run.stderr
    assert "read-only" in lines[0]


# ------------------------------------------------------------------ PostgreSQL goes away


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be stopped and restarted."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()  # the server "crashes": every connection drops
        self.writers.clear()
        await self.server.wait_closed()
        self.server = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@contextlib.asynccontextmanager
async def through_proxy(pg_url: str) -> AsyncIterator[tuple[Database, Proxy]]:
    url = make_url(pg_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    db = open_database(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    await _truncate_pg(db)
    try:
        yield db, proxy
    finally:
        await db.dispose()
        if proxy.server is not None:
            await proxy.stop()


async def test_postgresql_gone_mid_session_then_back(pg_url: str) -> None:
    async with through_proxy(pg_url) as (db, proxy):
        oid = await f.add_order(db, "ORD-PG")
        assert (await orders.get_order(db, oid)).version == 1
        await proxy.stop()
        with pytest.raises(DatabaseUnavailable) as caught:
            await orders.get_order(db, oid)
        assert "cannot be reached" in str(caught.value)
        with pytest.raises(DatabaseUnavailable):
            await order_edit.update_order(db, "t", oid, 1, {"reference": "during"})
        await proxy.start()
        detail = await order_edit.update_order(db, "t", oid, 1, {"reference": "after"})
        assert (detail.reference, detail.version) == ("after", 2)
        assert await audit_count(db) == 1  # the failed write left nothing


async def test_postgresql_gone_while_the_app_runs(pg_url: str) -> None:
    async with through_proxy(pg_url) as (db, proxy):
        oid = await f.add_order(db, "ORD-PG")
        app = make_app(db, open_store_id="ORD-PG")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
                what="order",
            )
            screen = app.screen
            await proxy.stop()
            await pilot.press("ctrl+r")  # a read in a worker: a notification, no crash
            await wait_for(
                pilot,
                lambda: any("cannot be reached" in n.message for n in app._notifications),
                what="notification",
            )
            assert app.is_running and app.screen is screen
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="edit")
            await pilot.press(*"R1", "ctrl+s")
            await wait_for(pilot, lambda: "Not saved" in screen_text(app), what="not saved")
            await proxy.start()
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda: app.screen is screen and screen.detail.version == 2,
                what="saved after the server came back",
            )
        assert (await orders.get_order(db, oid)).reference == "R1"


# ------------------------------------------------ PostgreSQL ends our sessions (a restart)


def _terminate(pg_url: str, pids: list[int]) -> None:
    """What a server shutting down (`pg_ctl stop -m fast`) or an administrator's
    ``pg_terminate_backend`` does to our sessions: FATAL 57P01, then the socket closes. Run on
    its own thread and loop, so an engine event handler can call it synchronously."""
    import asyncpg

    async def terminate() -> None:
        admin = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            for pid in pids:
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

    thread = threading.Thread(target=asyncio.run, args=(terminate(),))
    thread.start()
    thread.join()


def _server_pid(pooled: Any) -> int:
    """The server process behind a pooled connection (asyncpg's own connection)."""
    return pooled.driver_connection.get_server_pid()


async def test_postgresql_ends_the_session_in_the_middle_of_a_write(
    pg_url: str, pg_db: Database
) -> None:
    """The server ends our connection after the order's UPDATE was sent and before the audit
    event: the operator gets the line, the order is untouched (no update without its audit
    event), and the same save goes through on a new connection."""
    oid = await f.add_order(pg_db, "ORD-T")
    killed: list[int] = []

    def end_session_before_the_audit_event(
        conn: Any, _cursor: Any, statement: str, *_: Any
    ) -> None:
        if not killed and statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            killed.append(_server_pid(conn.connection))
            _terminate(pg_url, killed)

    event.listen(
        pg_db.engine.sync_engine, "before_cursor_execute", end_session_before_the_audit_event
    )
    with pytest.raises(DatabaseUnavailable) as caught:
        await order_edit.update_order(pg_db, "t", oid, 1, {"reference": "during"})
    assert killed, "the write never reached its audit event"
    assert "cannot be reached" in str(caught.value)
    event.remove(
        pg_db.engine.sync_engine, "before_cursor_execute", end_session_before_the_audit_event
    )

    detail = await orders.get_order(pg_db, oid)
    assert (detail.reference, detail.version) == ("", 1)
    assert await audit_count(pg_db) == 0
    detail = await order_edit.update_order(pg_db, "t", oid, 1, {"reference": "after"})
    assert (detail.reference, detail.version) == ("after", 2)
    assert await audit_count(pg_db) == 1


async def test_postgresql_restarted_between_actions(pg_url: str, pg_db: Database) -> None:
    """Every pooled connection ended while the operator reads the screen (the server was
    restarted): the next action just works, on fresh connections."""
    oid = await f.add_order(pg_db, "ORD-R")
    pids: list[int] = []
    async with pg_db.engine.connect() as one, pg_db.engine.connect() as two:
        pids = [
            _server_pid(await one.get_raw_connection()),
            _server_pid(await two.get_raw_connection()),
        ]
    _terminate(pg_url, pids)
    assert (await orders.get_order(pg_db, oid)).store_id == "ORD-R"
    detail = await order_edit.update_order(pg_db, "t", oid, 1, {"reference": "after"})
    assert (detail.reference, detail.version) == ("after", 2)


async def test_postgresql_row_held_by_another_session_past_the_lock_timeout(
    pg_url: str, pg_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk's session holds the order's row (a long issue, or a client stuck idle in
    its transaction): the save waits the lock timeout, then says so, writes nothing, and goes
    through once the row is free (it waited for ever before)."""
    import asyncpg

    oid = await f.add_order(pg_db, "ORD-LK")
    monkeypatch.setattr(engine_module, "PG_LOCK_TIMEOUT_MS", 300)
    db = open_database(pg_url)
    other = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT id FROM orders WHERE id = $1 FOR UPDATE", oid)
        with pytest.raises(DatabaseUnavailable) as caught:
            await asyncio.wait_for(
                order_edit.update_order(db, "t", oid, 1, {"reference": "x"}), timeout=10
            )
        assert "another desk is changing the same record" in str(caught.value)
        assert (await orders.get_order(db, oid)).version == 1
        assert await audit_count(db) == 0
        await transaction.rollback()
        assert (await order_edit.update_order(db, "t", oid, 1, {"reference": "x"})).version == 2
    finally:
        await other.close()
        await db.dispose()
