"""Start-up: ``orderview`` on the 100,000-order database, from exec to the first useful paint of
the orders screen in a pseudo-terminal, against a bare Textual app that shows one label.

    .venv/bin/python -m benchmarks.startup [--runs 7]

Both run as an operator would run them: a new Python process on an 80×24 pseudo-terminal
(xterm-256color). The terminal's output is fed to a pyte screen; the clock stops when the screen
shows the orders list with its status line ("newest 50 orders") — the search box, the table and
the footer are painted by then — or, for the baseline, the label. The two alternate, so a noisy
neighbour hurts both alike.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable

import pyte

from benchmarks.common import ORDERS, Figure, bench_main, ensure_sqlite, spread

BARE_APP = """
from textual.app import App
from textual.widgets import Label

class Bare(App):
    def compose(self):
        yield Label("bare app ready")

Bare().run()
"""
COLUMNS, LINES = 80, 24
TIMEOUT = 30.0


def time_to_paint(argv: list[str], ready: Callable[[str], bool]) -> float:
    """Seconds from spawning ``argv`` on a fresh pty until ``ready(screen text)`` holds."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
           "LINES": str(LINES), "ORDERVIEW_OPERATOR": "bench"}
    env.pop("TEXTUAL", None)
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    try:
        while True:
            left = TIMEOUT - (time.perf_counter() - began)
            if left <= 0:
                raise TimeoutError(f"{argv[:4]} did not paint in {TIMEOUT:.0f} s:\n"
                                   + "\n".join(screen.display))
            readable, _, _ = select.select([master], [], [], left)
            if not readable:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                raise RuntimeError(f"{argv[:4]} exited before painting:\n"
                                   + "\n".join(screen.display))
            stream.feed(data)
            if ready("\n".join(screen.display)):
                return time.perf_counter() - began
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def orders_painted(text: str) -> bool:
    return "newest 50 orders" in text and "Order ID" in text


def figures(args: argparse.Namespace) -> list[Figure]:
    db = ensure_sqlite(args.orders)
    runs = 3 if args.quick else args.runs
    app_argv = [sys.executable, "-m", "orderview", "--db", str(db)]
    bare_argv = [sys.executable, "-c", BARE_APP]
    time_to_paint(app_argv, orders_painted)  # warm the page cache: not a cold boot
    time_to_paint(bare_argv, lambda text: "bare app ready" in text)
    app, bare = [], []
    for _ in range(runs):
        app.append(time_to_paint(app_argv, orders_painted))
        bare.append(time_to_paint(bare_argv, lambda text: "bare app ready" in text))
    value, base = statistics.median(app), statistics.median(bare)
    return [Figure(
        name="start to first useful paint of the orders screen (pty 80×24)",
        value=value, shown=spread(app), baseline_name="bare Textual app showing one label",
        baseline=base, baseline_shown=spread(bare), target="≤ 1.5× baseline",
        met=value <= 1.5 * base,
    )]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orders", type=int, default=ORDERS)


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
