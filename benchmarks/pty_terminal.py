"""The app in a recorded pseudo-terminal: every byte it writes, with its time, fed to xterm.

Its own module because it is the measuring harness, not a benchmark: ``benchmarks.bandwidth``
plays its scenario through it, and the terminal tests (hang-up, typed-at-start, ASCII mode,
hostile text, the shipped CLI) drive the real app through the same ``Terminal`` and the same
fixed demo database (``build_db``). ``benchmarks/pty_clock.py`` is the other pty harness: it
times when a screen shows something, where this one keeps the bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte

from benchmarks.emulator import XtermScreen

COLS, ROWS = 80, 24
ROOT = Path(__file__).resolve().parent.parent


def spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """``argv`` run from ``cwd`` in a fresh COLS×ROWS pseudo-terminal, in a session of its own;
    the child and the pty's master side."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
        cwd=cwd,
        preexec_fn=preexec_fn,
    )
    os.close(slave)
    return proc, master


def start_reader(
    master: int, proc: subprocess.Popen[bytes], poll: float, got: Callable[[bytes], None]
) -> threading.Thread:
    """A daemon thread handing every chunk the child writes to ``got``, until the pty closes
    or the child has ended and ``poll`` seconds passed without output."""

    def read() -> None:
        while True:
            try:
                ready, _, _ = select.select([master], [], [], poll)
                if not ready:
                    if proc.poll() is not None:
                        return
                    continue
                data = os.read(master, 65536)
            except (OSError, ValueError):
                return
            if not data:
                return
            got(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


class Terminal:
    """The app in a pty; a reader thread collects (time, bytes) chunks."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc, self.master = spawn(argv, env, ROOT)
        self.lock = threading.Lock()
        self.chunks: list[tuple[float, bytes]] = []
        self.screen = XtermScreen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.fed = 0
        self.reader = start_reader(self.master, self.proc, 0.5, self._got)

    def _got(self, data: bytes) -> None:
        with self.lock:
            self.chunks.append((time.monotonic(), data))

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def take(self) -> tuple[bytes, float | None]:
        """Everything received since the last take, and the time of its last chunk."""
        with self.lock:
            chunks = self.chunks[self.fed :]
            self.fed = len(self.chunks)
        data = b"".join(c for _, c in chunks)
        self.stream.feed(data)
        return data, (chunks[-1][0] if chunks else None)

    def wait_quiet(self, quiet: float, limit: float = 15.0, need_output: bool = False) -> None:
        """Return once nothing arrived for ``quiet`` seconds (after some output, if needed)."""
        start = time.monotonic()
        seen = len(self.chunks)
        while time.monotonic() - start < limit:
            with self.lock:
                last = self.chunks[-1][0] if self.chunks else start
                fresh = len(self.chunks) > seen
            now = time.monotonic()
            if now - max(last, start) >= quiet and (fresh or not need_output):
                return
            time.sleep(0.02)

    def close(self) -> float:
        """Quit the app; return the child's CPU seconds."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            _, _status, usage = os.wait4(self.proc.pid, 0)
            cpu = usage.ru_utime + usage.ru_stime
        except ChildProcessError:
            cpu = 0.0
        os.close(self.master)
        return cpu


def build_demo(path: Path, orders: int) -> None:
    """``orderview demo --orders N`` into ``path`` (fixed seed)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "demo",
            "--db",
            str(path),
            "--orders",
            str(orders),
            "--seed",
            "1",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def build_db(path: Path) -> str:
    """The fixed demo database; returns the Order ID of its order with the most licenses."""
    build_demo(path, 200)
    with sqlite3.connect(path) as conn:
        (store_id,) = conn.execute(
            "SELECT o.store_id FROM orders o JOIN licenses l ON l.order_id = o.id "
            "GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1"
        ).fetchone()
    return str(store_id)
