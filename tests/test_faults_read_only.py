"""Read-only data still reads (issue 16, section 9).

Root ignores file modes, so two faults that bind root too:

- a read-only filesystem: a tmpfs remounted read-only inside a private mount namespace
  (``unshare -m``), the commands run in it as an operator would (skipped where mount
  namespaces are not allowed);
- an immutable file (``chattr +i``, in the test's own directory; skipped where the filesystem
  has no such attribute): the file cannot be written, its directory can.

Reading works (``search``, ``show``, the app), the app says "read-only: changes are off" once,
every write (command or key) says why it is unavailable, naming the real cause, and nothing is
written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from sqlalchemy import func, select

from orderview.cli import exit_codes
from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import AuditEvent, License
from orderview.services import order_edit, orders
from orderview.services.errors import READ_ONLY, ReadOnlyDatabase
from tests import factories
from tests.ui_support import SIZE, make_app, screen_text, wait_for

ROOT = Path(__file__).resolve().parent.parent
RO_FS = "read-only: changes are off (the database is on a read-only filesystem)"


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


async def _seeded(db: Database) -> None:
    pid, _ = await factories.add_product(db)
    oid = await factories.add_order(db, "ORD-RO", reference="kept")
    await factories.add_licenses(db, oid, pid, 3)


def _run_read_only(
    source: Path, mount: Path, commands: list[list[str]], keep_wal: bool = False
) -> list[subprocess.CompletedProcess[str]]:
    """Copy ``source`` (and its -wal/-shm with ``keep_wal``) onto a tmpfs, remount it
    read-only, run each orderview command there; one result per command."""
    copies = [f"cp {source} {mount}/orders.db"]
    if keep_wal:
        copies += [
            f"cp {source}-wal {mount}/orders.db-wal",
            f"cp {source}-shm {mount}/orders.db-shm",
        ]
    runs = []
    for i, argv in enumerate(commands):
        line = " ".join(f"'{a}'" for a in [sys.executable, "-m", "orderview", *argv])
        runs.append(
            f"{line} --db {mount}/orders.db >{mount}.out{i} 2>{mount}.err{i}; "
            f"echo $? >{mount}.rc{i}"
        )
    script = (
        " && ".join([f"mount -t tmpfs tmpfs {mount}", *copies, f"mount -o remount,ro {mount}"])
        + "; "
        + "; ".join(runs)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env["ORDERVIEW_OPERATOR"] = "tester"
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return [
        subprocess.CompletedProcess(
            argv,
            int(Path(f"{mount}.rc{i}").read_text()),
            Path(f"{mount}.out{i}").read_text(),
            Path(f"{mount}.err{i}").read_text(),
        )
        for i, argv in enumerate(commands)
    ]


async def test_a_read_only_filesystem_reads_and_refuses_writes_by_name(
    sqlite_db: Database, sqlite_path: Path, tmp_path: Path
) -> None:
    if not _can_mount():
        pytest.skip("no private mount namespace here (unshare -m)")
    await _seeded(sqlite_db)
    await sqlite_db.dispose()
    with sqlite3.connect(sqlite_path) as conn:  # a WAL-mode file with no -wal/-shm beside it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert sqlite_path.read_bytes()[18] == 2
    mount = tmp_path / "ro"
    mount.mkdir()
    search, show, issue, create, demo = _run_read_only(
        sqlite_path,
        mount,
        [
            ["search", "ORD"],
            ["show", "ORD-RO"],
            ["issue", "ORD-RO", "--product", "APP"],
            ["order", "create", "--store-id", "NEW-1"],
            ["demo", "--force", "--orders", "1"],
        ],
    )
    assert search.returncode == 0 and "ORD-RO" in search.stdout, search
    assert show.returncode == 0 and "Licenses: 3" in show.stdout, show
    for write in (issue, create, demo):
        assert write.returncode == exit_codes.DB_UNAVAILABLE and "Traceback" not in write.stderr, (
            write
        )
        assert write.stderr.strip().splitlines()[-1].endswith(RO_FS), write.stderr
    with sqlite3.connect(sqlite_path) as conn:
        assert conn.execute("select count(*) from orders").fetchone() == (1,)


async def test_a_wal_file_with_changes_in_its_wal_reads_them_on_a_read_only_filesystem(
    sqlite_db: Database, sqlite_path: Path, tmp_path: Path
) -> None:
    """A writer that stopped without a checkpoint left -wal and -shm: the read-only copy sees
    what is in the -wal (``immutable`` would not)."""
    if not _can_mount():
        pytest.skip("no private mount namespace here (unshare -m)")
    await _seeded(sqlite_db)
    held = sqlite3.connect(sqlite_path)  # keeps the -wal from being checkpointed away
    held.execute("PRAGMA wal_autocheckpoint=0")
    held.execute("update orders set reference = 'in the wal'")
    held.commit()
    await sqlite_db.dispose()
    mount = tmp_path / "ro"
    mount.mkdir()
    try:
        (show,) = _run_read_only(sqlite_path, mount, [["show", "ORD-RO"]], keep_wal=True)
    finally:
        held.close()
    assert show.returncode == 0 and "in the wal" in show.stdout, show


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """``chattr +i``: not even root may write the file (removed again at the end)."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr here")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"no immutable files here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True, timeout=30)


async def _read_only_db(path: Path) -> Database:
    db = open_database(str(path))
    await ensure_schema(db)
    return db


def refused(app) -> bool:
    """The notice is up, naming the cause (as tests/test_ui_export_delete.py reads them)."""
    return any(n.message == f"{READ_ONLY} ({app.db.read_only})" for n in app._notifications)


async def audit_count(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count(AuditEvent.id))) or 0)


async def test_a_file_without_write_permission_reads_and_names_the_cause(
    sqlite_db: Database, sqlite_path: Path
) -> None:
    await _seeded(sqlite_db)
    await sqlite_db.dispose()
    with immutable(sqlite_path):
        db = await _read_only_db(sqlite_path)
        try:
            assert db.read_only == f"no write permission on the database file {sqlite_path}"
            found = await orders.search_orders(db, "ORD")
            assert [o.store_id for o in found.items] == ["ORD-RO"]
            detail = await orders.get_order_by_store_id(db, "ORD-RO")
            with pytest.raises(ReadOnlyDatabase) as caught:
                await order_edit.update_order(
                    db, "t", detail.id, detail.version, {"reference": "new"}
                )
            assert str(caught.value) == (
                "read-only: changes are off (no write permission on "
                f"the database file {sqlite_path})"
            )
            assert await audit_count(db) == 0
        finally:
            await db.dispose()


async def test_the_app_on_a_read_only_database_reads_and_refuses_every_write_key(
    sqlite_db: Database, sqlite_path: Path
) -> None:
    await _seeded(sqlite_db)
    oid = (await orders.get_order_by_store_id(sqlite_db, "ORD-RO")).id
    await factories.add_manager(sqlite_db, oid)
    await sqlite_db.dispose()
    with immutable(sqlite_path):
        db = await _read_only_db(sqlite_path)
        app = make_app(db)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: refused(app), what="the read-only notice")
                assert app.mail_sender is None  # it could not record a delivery
                await wait_for(pilot, lambda: "ORD-RO" in screen_text(app), what="orders")
                app.clear_notifications()
                await pilot.press("ctrl+n")  # new order
                await wait_for(pilot, lambda: refused(app), what="refused new order")
                assert isinstance(app.screen, OrdersScreen)
                app.open_order(oid)
                await wait_for(
                    pilot,
                    lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
                    what="order",
                )
                order_screen = app.screen
                assert order_screen.detail.reference == "kept"
                keys = ["e", "c", "i", "D", "4", "a", "r", "R", "enter"]
                for key in keys:
                    app.clear_notifications()
                    await pilot.press(key)
                    if key == "4":
                        await wait_for(
                            pilot,
                            lambda: (
                                order_screen.pane("managers") is not None
                                and order_screen.pane("managers").selected_manager() is not None
                            ),
                            what="managers tab",
                        )
                        continue
                    await wait_for(pilot, lambda: refused(app), what=f"refused {key}")
                    assert app.screen is order_screen, key  # no dialog opened
                assert app.is_running
        finally:
            await db.dispose()
    async with sqlite_db.sessions() as s:
        assert await s.scalar(select(func.count(License.id))) == 3
    assert await audit_count(sqlite_db) == 0
