"""``export -o PATH --force`` replaces only a regular file: a device, a FIFO, a socket or a
directory (also behind a symlink) is refused with one line and left as it was, from the command
line and from the TUI export dialog; ``-o -`` stays the way to write to standard output
(issue 16, section 8). Run as root, the old code swapped ``/dev/null`` for a plain file.

No test touches the real ``/dev/null``: a symlink to it (which the old code replaced by a file,
leaving ``/dev/null`` alone) and, where the system lets us, a null device made in a temporary
directory stand in for it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.export_dialog import ExportScreen
from textual.widgets import Static

import orderview.cli as cli
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, open_dialog, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")


def _fifo(path: Path) -> Callable[[], None]:
    os.mkfifo(path)
    return lambda: None


def _socket(path: Path) -> Callable[[], None]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    return sock.close


def _directory(path: Path) -> Callable[[], None]:
    path.mkdir()
    return lambda: None


def _null_symlink(path: Path) -> Callable[[], None]:
    path.symlink_to("/dev/null")
    return lambda: None


def _null_device(path: Path) -> Callable[[], None]:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return lambda: None


KINDS: dict[str, tuple[Callable[[Path], Callable[[], None]], Callable[[int], bool], str]] = {
    "fifo": (_fifo, stat.S_ISFIFO, "it is a named pipe (FIFO), not a regular file"),
    "socket": (_socket, stat.S_ISSOCK, "it is a socket, not a regular file"),
    "directory": (_directory, stat.S_ISDIR, "it is a directory"),
    "symlink to /dev/null": (_null_symlink, stat.S_ISCHR, "it is a device, not a regular file"),
    "device": (_null_device, stat.S_ISCHR, "it is a device, not a regular file"),
}


@pytest.fixture(params=list(KINDS))
def special(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    make, is_kind, reason = KINDS[request.param]
    (where := tmp_path / "special").mkdir()
    path = where / "target.csv"
    close = make(path)
    yield path, reason
    close()
    assert is_kind(path.stat().st_mode), "the special file was replaced"
    assert [p.name for p in where.iterdir()] == ["target.csv"], "a file was left behind"


async def run(db, *argv: str) -> int:
    url = db.url.render_as_string(hide_password=False)
    return await asyncio.to_thread(cli.main, ["--db", url, "--operator", "tester", *argv])


async def seed(db) -> None:
    product, _ = await f.add_product(db)
    order = await f.add_order(db, "ORD-1001")
    await f.add_licenses(db, order, product, 2)


async def test_force_refuses_what_is_not_a_regular_file(sqlite_db, special, capsys) -> None:
    path, reason = special
    await seed(sqlite_db)
    for force in (["--force"], []):
        assert await run(sqlite_db, "export", "ORD-1001", "-o", str(path), *force) != 0
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("orderview: error: cannot write ")
        assert reason in err and "Traceback" not in err


async def test_force_still_replaces_a_regular_file(sqlite_db, tmp_path: Path, capsys) -> None:
    await seed(sqlite_db)
    path = tmp_path / "old.csv"
    path.write_text("old")
    assert await run(sqlite_db, "export", "ORD-1001", "-o", str(path), "--force") == 0
    assert path.read_text(encoding="utf-8").startswith("order__store_id,")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    capsys.readouterr()
    assert await run(sqlite_db, "export", "ORD-1001", "-o", "-") == 0
    assert capsys.readouterr().out.startswith("order__store_id,")


async def test_export_dialog_refuses_a_special_file_in_one_line(sqlite_db, special) -> None:
    path, reason = special
    await seed(sqlite_db)
    app = make_app(sqlite_db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        box = dialog.query_one("#export-path")
        box.value = str(path)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: not dialog.busy and reason in _messages(dialog), what="the refusal"
        )
        assert app.screen is dialog and not isinstance(app.screen, ConfirmScreen)
        assert "Not written: cannot write" in _messages(dialog)


def _messages(dialog: ExportScreen) -> str:
    return " ".join(str(w.render()) for w in dialog.query(Static))
