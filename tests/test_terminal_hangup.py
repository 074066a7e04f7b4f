"""The terminal goes away (an SSH connection drops): the app ends, promptly and cleanly.

The real app runs in a pseudo-terminal; the test closes the terminal's master side, as sshd
does when the connection drops, and the app must exit with status 129 (a hang-up) within a
few seconds instead of spinning on end-of-file or blocking on its output queue (Textual's own
driver does both: widgets/session_driver.py). Once as a process without a controlling terminal
(only end-of-file and write errors tell it), once as the session leader that the kernel sends
SIGHUP to, once with SIGHUP sent while the terminal is still there (a shell passing it on).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import sqlite3
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from orderview.widgets.session_driver import HANGUP_EXIT_STATUS

from benchmarks.pty_terminal import ROOT, build_db, spawn

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

EXIT_WITHIN = 10.0  # seconds; the app ends in well under one, this bounds a regression


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hangup") / "demo.db"
    build_db(path)
    return path


def _take_terminal() -> None:  # runs in the child, after setsid: the pty becomes its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class App:
    """``orderview`` in a fresh pseudo-terminal, its output drained by a thread."""

    def __init__(self, db: Path, controlling: bool) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester")
        argv = [sys.executable, "-m", "orderview", "--db", str(db)]
        self.proc, master = spawn(argv, env, ROOT, _take_terminal if controlling else None)
        self.master: int | None = master
        self.output = bytearray()
        self.last = time.monotonic()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while self.master is not None:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                data = os.read(self.master, 65536) if ready else None
            except (OSError, TypeError, ValueError):
                return
            if data == b"":
                return
            if data:
                self.output += data
                self.last = time.monotonic()

    def wait_drawn(self) -> None:
        """Until the orders list has been drawn and the app went quiet."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if b"Order ID" in self.output and time.monotonic() - self.last > 0.8:
                return
            time.sleep(0.05)
        raise AssertionError(f"the app never drew the orders list: {bytes(self.output[-500:])!r}")

    def send(self, keys: str) -> None:
        assert self.master is not None
        os.write(self.master, keys.encode())

    def hang_up(self) -> None:
        """Close the master side: what sshd does when the connection drops."""
        master, self.master = self.master, None
        assert master is not None
        os.close(master)

    def wait_exit(self) -> tuple[int, float]:
        """The exit status and the CPU seconds the app used, or fail if it did not end."""
        deadline = time.monotonic() + EXIT_WITHIN
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return self.proc.returncode, usage.ru_utime + usage.ru_stime
            time.sleep(0.05)
        cpu = _cpu_seconds(self.proc.pid)
        self.kill()
        raise AssertionError(
            f"still running {EXIT_WITHIN:.0f} s after the hang-up ({cpu:.1f} s of CPU so far)"
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            self.proc.wait(5)
        if self.master is not None:
            self.hang_up()


def _cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def _database_is_free(db: Path) -> None:
    """No lock or half-written transaction left behind: another writer gets in at once."""
    with sqlite3.connect(db, timeout=0.5) as conn:
        conn.execute("BEGIN IMMEDIATE")
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
        conn.rollback()


@pytest.mark.parametrize("controlling", [False, True], ids=["end-of-file", "kernel-sighup"])
def test_app_ends_when_its_terminal_hangs_up(demo_db: Path, controlling: bool) -> None:
    app = App(demo_db, controlling)
    try:
        app.wait_drawn()
        app.send("ab")  # the operator was typing when the line dropped
        time.sleep(0.3)
        app.hang_up()
        status, cpu = app.wait_exit()
    finally:
        app.kill()
    assert status == HANGUP_EXIT_STATUS, status
    assert cpu < 8.0, cpu  # it did not spin on the dead terminal until the deadline
    _database_is_free(demo_db)


def test_app_ends_on_sighup_from_its_shell(demo_db: Path) -> None:
    app = App(demo_db, controlling=False)
    try:
        app.wait_drawn()
        app.proc.send_signal(signal.SIGHUP)
        status, _ = app.wait_exit()
    finally:
        app.kill()
    assert status == HANGUP_EXIT_STATUS, status
    _database_is_free(demo_db)
