"""Secrets at rest (issue 16, section 4): the database holds license keys and invite passwords.

A new database is created 0600 in directories created 0700, and so are the files SQLite makes
beside it later (``-wal``, ``-shm``), whatever the umask; an existing database readable by
other users gets one warning line (stderr for commands, a notification in the app).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from orderview.db.engine import open_database
from orderview.db.migrate import ensure_schema
from tests.ui_support import SIZE, make_app, wait_for


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual 022: files 0644 and directories 0755 unless we say otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


async def test_a_new_database_and_its_wal_and_shm_are_private(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "new" / "deeper" / "orders.db"
    db = open_database(str(path))
    try:
        await ensure_schema(db)
        async with db.engine.connect() as conn:  # a reader holds the -wal/-shm open
            await conn.execute(text("SELECT count(*) FROM orders"))
            async with db.write() as session:  # and a write goes through the -wal
                await session.execute(text("UPDATE orders SET reference = reference"))
            files = {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        await db.dispose()
    assert files == {"orders.db": 0o600, "orders.db-wal": 0o600, "orders.db-shm": 0o600}
    assert (mode(tmp_path / "new"), mode(tmp_path / "new" / "deeper")) == (0o700, 0o700)


def _orderview(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderview", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
    )


def test_the_default_database_is_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        ORDERVIEW_OPERATOR="tester",
    )
    done = _orderview("order", "create", "--store-id", "ORD-1", env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    home = tmp_path / "data" / "orderview"
    assert mode(home) == 0o700 and mode(home / "orderview.db") == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["orderview.db"]


def test_an_existing_database_readable_by_others_is_one_warning_line(
    tmp_path: Path, sqlite_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), ORDERVIEW_OPERATOR="tester")
    sqlite_path.chmod(0o644)
    done = _orderview("search", "x", "--db", str(sqlite_path), env=env)
    assert done.returncode == 0 and done.stdout.startswith("no orders match")
    assert done.stderr == (
        f"orderview: warning: the database file {sqlite_path} is readable by "
        "other users (mode 0644) and holds license keys and invite "
        f"passwords: chmod 600 {sqlite_path}\n"
    )
    done = _orderview("db", "upgrade", "--db", str(sqlite_path), env=env)
    assert done.returncode == 0 and done.stderr.startswith("orderview: warning: the database file")
    sqlite_path.chmod(0o600)
    done = _orderview("search", "x", "--db", str(sqlite_path), env=env)
    assert done.returncode == 0 and done.stderr == ""


async def test_the_app_warns_about_a_database_readable_by_others(sqlite_path: Path) -> None:
    sqlite_path.chmod(0o640)
    db = open_database(str(sqlite_path))
    try:
        await ensure_schema(db)
        app = make_app(db)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: any(
                    "is readable by other users (mode 0640)" in n.message
                    for n in app._notifications
                ),
                what="the warning",
            )
            assert all("changes are off" not in n.message for n in app._notifications)
    finally:
        await db.dispose()
