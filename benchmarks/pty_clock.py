"""A stopwatch on a real pseudo-terminal: start a program on a fresh 80×24 pty, type keys as an
operator would, and time the moments its screen (fed to a pyte emulator) shows what is asked.

Used by the start-up, open-order and command-line benchmarks: every figure taken through it is
what an operator's terminal would show, at the moment it shows it.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence

import pyte

COLUMNS, LINES = 80, 24
TIMEOUT = 30.0

Shows = Callable[[str], bool]


def env_for_app() -> dict[str, str]:
    """The environment of an operator's terminal; no settings of this machine leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(
        TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES), ORDERVIEW_OPERATOR="bench"
    )
    return env


def clock(
    argv: list[str],
    steps: Sequence[tuple[Shows | None, bytes]],
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    watch: Callable[[int, int], None] | None = None,
) -> list[float]:
    """Start ``argv`` on a fresh pty and walk ``steps``: each is (what the screen must show,
    keys typed once it does); ``None`` holds at once (keys typed straight after the start).
    Returns the seconds from the start at which each step's screen was first shown.
    ``watch(step, pid)`` runs as each step is reached, before its keys are typed (to read the
    process's memory, say)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    times: list[float] = []
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env or env_for_app(),
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    text = ""
    try:
        while True:
            while len(times) < len(steps):
                shows, keys = steps[len(times)]
                if shows is not None and not shows(text):
                    break
                times.append(time.perf_counter() - began)
                if watch is not None:
                    watch(len(times) - 1, proc.pid)
                if keys:
                    os.write(master, keys)
            if len(times) == len(steps):
                return times
            left = timeout - (time.perf_counter() - began)
            if left <= 0:
                raise TimeoutError(
                    f"{argv[:4]}: step {len(times)} not shown in {timeout:.0f} s:\n" + text
                )
            readable, _, _ = select.select([master], [], [], left)
            if not readable:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                raise RuntimeError(f"{argv[:4]} exited at step {len(times)}:\n" + text)
            stream.feed(data)
            text = "\n".join(screen.display)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
