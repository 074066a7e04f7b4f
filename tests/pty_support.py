"""The real app in a pseudo-terminal, for tests that need the terminal's own byte stream
(pastes, cut escape sequences, bytes that are not UTF-8): a pyte screen shows what the operator
would see, the database shows what happened."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte

from benchmarks.emulator import XtermScreen
from benchmarks.pty_terminal import COLS, ROWS, spawn, start_reader

PASTE_START = b"\x1b[200~"
PASTE_END = b"\x1b[201~"


def counts(db: Path) -> tuple[int, int]:
    """(orders, licenses) in the database."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        licenses = conn.execute("SELECT count(*) FROM licenses").fetchone()[0]
    return orders, licenses


def order_ids(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("SELECT store_id FROM orders ORDER BY id")]


class PtyApp:
    """``orderview --db DB`` in a fresh 80×24 pseudo-terminal, run from ``cwd`` (exports land
    there), its output fed to a pyte screen by a reader thread."""

    def __init__(self, db: Path, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester", HOME=str(cwd))
        self.proc, self.master = spawn(
            [sys.executable, "-m", "orderview", "--db", str(db)], env, cwd
        )
        self.lock = threading.Lock()
        self.screen = XtermScreen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.last = time.monotonic()
        self.reader = start_reader(self.master, self.proc, 0.2, self._got)

    def _got(self, data: bytes) -> None:
        with self.lock:
            self.raw += data
            self.stream.feed(data)
            self.last = time.monotonic()

    def send(self, data: bytes) -> None:
        """Write ``data`` to the terminal as one burst (as a paste or a fast typist over SSH
        arrives)."""
        os.write(self.master, data)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """Until ``predicate(screen text)`` holds; the screen text then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            if not self.alive:
                raise AssertionError(
                    f"the app ended (status {self.proc.returncode}) before {what}:\n{self.tail()}"
                )
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.text()}")

    def wait_quiet(self, quiet: float = 0.6, timeout: float = 30.0) -> None:
        """Until the app wrote nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                last = self.last
            if time.monotonic() - last >= quiet:
                return
            time.sleep(0.05)

    def tail(self) -> str:
        with self.lock:
            return bytes(self.raw[-2000:]).decode("utf-8", "replace")

    def close(self) -> int | None:
        """Quit the app (SIGTERM, then SIGKILL); its exit status."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(OSError):
            os.close(self.master)
        return self.proc.returncode


def paste(text: str | bytes) -> bytes:
    """A bracketed paste of ``text``, as the terminal frames a clipboard paste."""
    body = text.encode() if isinstance(text, str) else text
    return PASTE_START + body + PASTE_END
