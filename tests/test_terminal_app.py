"""The shadow screen in the real app: driver choice, settings, ctrl+l, and the app in a real
pseudo-terminal (16 colours readable, idle sends nothing, mouse modes)."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import sys
import termios
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from orderview.widgets import shadow_driver as app_driver
from orderview.widgets.session_driver import SessionDriver
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size

from benchmarks.pty_terminal import Terminal, build_db
from orderview.db.engine import Database
from orderview.settings import Settings
from tests.ui_support import SIZE, make_app, wait_for

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def test_driver_follows_the_minimal_output_setting() -> None:
    assert app_driver.driver_class(Settings(), LinuxDriver) is app_driver.ShadowDriver
    assert app_driver.driver_class(Settings(minimal_output=False), LinuxDriver) is SessionDriver


async def test_app_is_configured_for_slow_links(sqlite_db: Database) -> None:
    app = make_app(sqlite_db)
    assert app.driver_class is app_driver.ShadowDriver
    assert app.animation_level == "none"
    assert make_app(sqlite_db, animations=True).animation_level == "full"
    assert make_app(sqlite_db, minimal_output=False).driver_class is not app_driver.ShadowDriver


async def test_ctrl_l_repaints(sqlite_db: Database) -> None:
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#search"), what="orders screen")
        await pilot.press("ctrl+l")  # headless: no shadow driver, the app still repaints
        await pilot.pause()
        assert app.screen.query_one("#search").has_focus


# ------------------------------------------------------------------ in a pseudo-terminal


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pty") / "demo.db"
    build_db(path)
    return path


def launch(db: Path, *flags: str) -> Terminal:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester")
    term = Terminal([sys.executable, "-m", "orderview", "--db", str(db), *flags], env)
    term.wait_quiet(1.0, limit=30, need_output=True)
    return term


@posix_only
def test_sixteen_colours_render_readably_and_idle_sends_nothing(demo_db: Path) -> None:
    term = launch(demo_db, "--colors", "16")
    try:
        data, _ = term.take()
        text = "\n".join(term.screen.display)
        assert "Order ID" in text and "Search" in text
        stream = data.decode("utf-8", "replace")
        assert "38;5;" not in stream and "48;5;" not in stream and "38;2;" not in stream
        unreadable = [
            (y, x, cell.data)
            for y in range(term.screen.lines)
            for x in range(term.screen.columns)
            if (cell := term.screen.buffer[y][x]).data.strip()
            and cell.data.isalnum()
            and cell.fg == cell.bg
            and cell.fg != "default"
        ]
        assert not unreadable  # no letter drawn in its own background colour
        time.sleep(1.5)  # the search input is focused: no blinking cursor, no timers
        idle, _ = term.take()
        assert idle == b""
    finally:
        term.close()


@posix_only
def test_mouse_reports_clicks_not_motion_and_no_mouse_turns_it_off(demo_db: Path) -> None:
    term = launch(demo_db)
    try:
        stream = term.take()[0]
    finally:
        term.close()
    assert b"\x1b[?1000h" in stream and b"\x1b[?1002h" in stream
    assert b"\x1b[?1003h" not in stream
    term = launch(demo_db, "--no-mouse")
    try:
        stream = term.take()[0]
    finally:
        term.close()
    assert b"Order ID" in stream
    assert not any(f"\x1b[?{m}h".encode() in stream for m in (1000, 1002, 1003, 1006))


@posix_only
def test_resize_repaints_the_whole_screen(demo_db: Path) -> None:
    term = launch(demo_db)
    try:
        term.take()
        fcntl.ioctl(term.master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        term.screen.resize(30, 100)
        os.kill(term.proc.pid, signal.SIGWINCH)
        term.wait_quiet(1.0, need_output=True)
        term.take()
        lines = term.screen.display
        assert "Order ID" in lines[3]
        assert "^p palette" in lines[29] and len(lines[29]) == 100  # the footer: new bottom
        assert "^p palette" not in lines[23]  # and not left behind at the old one
    finally:
        term.close()


class _Writer:
    def __init__(self) -> None:
        self.data: list[str] = []

    def write(self, text: str) -> None:
        self.data.append(text)


class _App:
    size = Size(20, 4)

    def __init__(self) -> None:
        self.later: list[object] = []
        self.log = SimpleNamespace(error=lambda *a: None)

    def call_later(self, callback: object, *args: object) -> None:
        self.later.append(callback)


@posix_only
async def test_driver_filters_and_falls_back_if_the_filter_fails() -> None:
    app = _App()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    try:
        driver = app_driver.ShadowDriver(app)
    finally:  # the Linux driver installs suspend/resume handlers: not in the test runner
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    writer = driver._writer_thread = _Writer()
    driver.write("\x1b[1;1Hhello")
    driver.flush()
    driver.write("\x1b[1;1Hhello")
    driver.flush()
    assert "".join(writer.data).count("hello") == 1  # the repeat was filtered out

    def broken(data: str) -> str:
        raise RuntimeError("bug")

    driver.shadow.feed = broken
    driver.write("\x1b[1;1Hhello")
    driver.write("\x1b[2;1Hworld")
    assert writer.data[-2:] == ["\x1b[1;1Hhello", "\x1b[2;1Hworld"]  # unfiltered from now on
    assert app.later == [app_driver.redraw]  # and everything gets repainted


def _label_reversed(term: Terminal, label: str) -> bool:
    """Is the dialog field label ``label`` drawn in reverse video (every letter of it)?"""
    for y, line in enumerate(term.screen.display):
        x = line.find(f"│ {label}")
        if x >= 0:
            cells = [term.screen.buffer[y][x + 2 + i] for i in range(len(label))]
            return all(cell.reverse for cell in cells)
    raise AssertionError(f"no field {label!r} on screen:\n" + "\n".join(term.screen.display))


@posix_only
@pytest.mark.parametrize("colors", ["16", "256"])
def test_the_focused_field_is_plain_to_see(demo_db: Path, colors: str) -> None:
    """Focus used to show as a background one shade lighter (234 → 235), the same black on 16
    colours: the focused field's label is now in reverse video, and it moves with the focus."""
    term = launch(demo_db, "--colors", colors)
    try:
        for key in ("\x1b[B", "\r", "e"):  # the first order, its Edit order dialog
            term.send(key)
            term.wait_quiet(0.6, need_output=True)
        term.take()
        assert _label_reversed(term, "Reference")
        assert not _label_reversed(term, "Campaign params")
        term.send("\t")
        term.wait_quiet(0.6, need_output=True)
        term.take()
        assert _label_reversed(term, "Campaign params")
        assert not _label_reversed(term, "Reference")
    finally:
        term.close()
