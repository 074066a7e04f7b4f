"""A full disk while issuing: one clear line, a non-zero exit, nothing half written.

SQLite rolls the whole transaction back itself when the disk fills (SQLITE_FULL); undoing the
chunk's savepoint then failed with "no such savepoint", which ended ``orderview issue`` in a
traceback (the data itself held). Two ways to fill the disk:

- ``PRAGMA max_page_count`` on every connection: SQLite's own SQLITE_FULL at a chosen size,
  anywhere (service test);
- a real full filesystem: a 3 MB tmpfs mounted in a private mount namespace (``unshare -m``,
  needs root or user namespaces; skipped where neither is allowed), with the command run as an
  operator would. 100,000 licenses outgrow SQLite's page cache, so pages spill into the WAL in
  the middle of the transaction and the disk fills inside a chunk's savepoint (10,000 fit in
  the cache and fail at the commit, which was already one line).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from orderview.cli import exit_codes
from orderview.db import faults
from orderview.db.engine import Database
from orderview.db.models import AuditEvent, License
from orderview.schemas.issuing import LineInput
from orderview.services.errors import DatabaseUnavailable
from orderview.services.issuing import issue_licenses
from tests import factories

DISK_FULL = "the disk holding the database is full; free space, then try again"


async def counts(db: Database) -> tuple[int, int]:
    async with db.sessions() as s:
        return (
            int(await s.scalar(select(func.count(License.id))) or 0),
            int(await s.scalar(select(func.count(AuditEvent.id))) or 0),
        )


async def test_disk_full_while_issuing_is_one_line_and_writes_nothing(
    sqlite_db: Database, sqlite_path: Path
) -> None:
    pid, pol = await factories.add_product(sqlite_db)
    oid = await factories.add_order(sqlite_db, "ORD-FULL")
    await sqlite_db.engine.dispose()
    with sqlite3.connect(sqlite_path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    full = {"on": True}

    def limit(dbapi_connection, _record) -> None:
        if full["on"]:
            dbapi_connection.cursor().execute(f"PRAGMA max_page_count={pages + 20}")

    event.listen(sqlite_db.engine.sync_engine, "connect", limit)
    line = LineInput(product_id=pid, policy_id=pol, values={}, quantity=10_000)
    with pytest.raises(DatabaseUnavailable) as caught:
        await issue_licenses(sqlite_db, "t", oid, [line])
    assert str(caught.value) == DISK_FULL
    assert await counts(sqlite_db) == (0, 0)  # nothing half written
    full["on"] = False
    await sqlite_db.engine.dispose()  # connections without the limit: space is free again
    result = await issue_licenses(sqlite_db, "t", oid, [line])
    assert result.total == 10_000 and await counts(sqlite_db) == (10_000, 1)


def test_postgresql_out_of_space_is_the_same_line() -> None:
    """PostgreSQL's disk_full (53100) reads "could not extend file …: No space left on
    device" (its WAL: "could not write to file … No space left on device")."""
    for text in (
        'could not extend file "base/16384/16390": No space left on device',
        'could not write to file "pg_wal/xlogtemp.123": No space left on device',
    ):
        error = OperationalError("INSERT …", {}, Exception(text))
        assert faults.describe(error) == DISK_FULL


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


async def test_disk_full_on_a_real_filesystem_from_the_command_line(
    sqlite_db: Database, sqlite_path: Path, tmp_path: Path
) -> None:
    if not _can_mount():
        pytest.skip("no private mount namespace here (unshare -m)")
    await factories.add_product(sqlite_db)
    await factories.add_order(sqlite_db, "ORD-FULL")
    await sqlite_db.engine.dispose()
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    mount = tmp_path / "small"
    mount.mkdir()
    db = mount / "orders.db"
    orderview = [sys.executable, "-m", "orderview"]
    script = (
        f"mount -t tmpfs -o size=3000k tmpfs {mount} && cp {sqlite_path} {db} && "
        f"{' '.join(orderview)} issue ORD-FULL --product APP --quantity 100000 --db {db} "
        "--operator t >/dev/null; echo status=$?; "
        f"{' '.join(orderview)} show ORD-FULL --db {db} --licenses 0 | grep '^Licenses'; "
        f"sqlite3_count=$({sys.executable} -c \"import sqlite3; print(sqlite3.connect('{db}')"
        ".execute('select count(*) from audit_events').fetchone()[0])\"); "
        "echo audit=$sqlite3_count"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).parent.parent,
    )
    assert done.stderr == f"orderview: error: {DISK_FULL}\n", done.stderr
    assert done.stdout.split() == [
        f"status={exit_codes.DB_UNAVAILABLE}",
        "Licenses:",
        "0",
        "audit=0",
    ], done.stdout
