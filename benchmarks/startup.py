"""Start-up: ``orderview`` on the 100,000-order database, from exec to the first useful paint of
the orders screen in a pseudo-terminal, against a bare Textual app that shows one label.

    .venv/bin/python -m benchmarks.startup [--runs 7]

Both run as an operator would run them: a new Python process on an 80×24 pseudo-terminal
(xterm-256color). The terminal's output is fed to a pyte screen; the clock stops when the screen
shows the orders list with its status line ("newest 50 orders") — the search box and the table
are painted by then; the footer's keys follow in the next frame (their time is in the notes)
— or, for the baseline, the label. The two alternate, so a noisy
neighbour hurts both alike.

Bytecode: both start from compiled bytecode, as an installed app does (pip compiles it on
install; Python caches it on the first run). Textual's is in site-packages already; orderview's
own packages are compiled once before timing (``precompile``), because an editable install
never compiles them and this container sets ``PYTHONDONTWRITEBYTECODE=1``: without it every
start would compile the ≈2,700 lines it imports (≈0.1 s here) and the figure would time the
compiler, not the start.

Where the time goes (notes of the figure, docs/benchmarks.md): ``orderview`` paints the orders
list before its data layer is imported (``orderview.quickstart``: light settings read, first
page by stdlib ``sqlite3``); SQLAlchemy, pydantic, the migration check, services and the mail
sender are imported and opened after the first paint and are not part of this figure. What is
left on top of the bare app is Textual building a richer screen (a search box, a 50-row
``DataTable``, a status line, a footer: more CSS to parse and apply, 19 table rows to render),
the shadow-screen driver with ``wcwidth``, argparse, and orderview's own modules.
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
# The orders screen's shape without orderview: a search box, a 50-row table of literal cells,
# a status line and a footer of five keys, the search box focused; no database, no settings,
# no shadow-screen driver. What Textual alone costs for the screen orderview paints (a note of
# the figure, not its baseline).
SHAPE_APP = """
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

class Orders(Screen):
    AUTO_FOCUS = "Input"
    BINDINGS = [Binding("slash", "x", "Search"), Binding("ctrl+n", "x", "New order"),
                Binding("q", "app.quit", "Quit"), Binding("question_mark", "x", "Help")]

    def compose(self):
        yield Input(placeholder="Search: Order ID, reference, customer email/name/company")
        yield DataTable(cursor_type="row", cell_padding=0)
        yield Static("newest 50 orders")
        yield Footer(compact=True)

    def on_mount(self):
        table = self.query_one(DataTable)
        for label in ("Order ID", "Reference", "Customer", "Lic.", "Flags", "Created UTC"):
            table.add_column(Text(" " + label))
        for i in range(50):
            table.add_row(*(Text(f" {v}") for v in (f"ORD-{200000 - i}", f"PO-{i * 7919}",
                          f"Customer {i} GmbH", i % 9, "", "2026-06-30")), key=str(i))

class Shape(App):
    CSS = "DataTable { height: 1fr; } Static { height: 1; padding: 0 1; }"

    def on_mount(self):
        self.push_screen(Orders())

Shape().run()
"""
COLUMNS, LINES = 80, 24
TIMEOUT = 30.0


def time_to_paint(argv: list[str], ready: Callable[[str], bool],
                  then: Callable[[str], bool] | None = None) -> float:
    """Seconds from spawning ``argv`` on a fresh pty until ``ready(screen text)`` holds; with
    ``then``, the seconds until that holds too are appended to ``THEN``."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
           "LINES": str(LINES), "ORDERVIEW_OPERATOR": "bench"}
    env.pop("TEXTUAL", None)
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    shown: float | None = None
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
            text = "\n".join(screen.display)
            if ready(text) and shown is None:
                shown = time.perf_counter() - began
            if shown is not None and (then is None or then(text)):
                if then is not None:
                    THEN.append(time.perf_counter() - began)
                return shown
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


THEN: list[float] = []


def orders_painted(text: str) -> bool:
    return "newest 50 orders" in text and "Order ID" in text


def footer_keys_painted(text: str) -> bool:
    """The footer shows its keys (they may come a frame after the list: see the notes)."""
    return "New order" in text.splitlines()[-1]


APP_PACKAGES = ("orderview", "orderview.screens", "orderview.widgets")


def precompile() -> None:
    """Compile orderview's own packages to bytecode, as installing them does (see above)."""
    import compileall
    import importlib.util

    for name in APP_PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def figures(args: argparse.Namespace) -> list[Figure]:
    db = ensure_sqlite(args.orders)
    precompile()
    runs = 3 if args.quick else args.runs
    app_argv = [sys.executable, "-m", "orderview", "--db", str(db)]
    bare_argv = [sys.executable, "-c", BARE_APP]
    shape_argv = [sys.executable, "-c", SHAPE_APP]
    time_to_paint(app_argv, orders_painted)  # warm the page cache: not a cold boot
    time_to_paint(bare_argv, lambda text: "bare app ready" in text)
    time_to_paint(shape_argv, orders_painted)
    app, bare, shape = [], [], []
    THEN.clear()
    for _ in range(runs):
        app.append(time_to_paint(app_argv, orders_painted, footer_keys_painted))
        bare.append(time_to_paint(bare_argv, lambda text: "bare app ready" in text))
        shape.append(time_to_paint(shape_argv, orders_painted))
    value, base = statistics.median(app), statistics.median(bare)
    return [Figure(
        name="start to first useful paint of the orders screen (pty 80×24)",
        value=value, shown=spread(app), baseline_name="bare Textual app showing one label",
        baseline=base, baseline_shown=spread(bare), target="≤ 1.5× baseline",
        met=value <= 1.5 * base,
        notes=f"the footer's keys are on screen {spread(THEN)} after the start (a frame "
              f"after the list); a database-free Textual app of the same shape (search box, "
              f"50-row table, status line, footer) takes {spread(shape)} to show its list, "
              f"{statistics.median(shape) / base:.2f}× the bare app",
    )]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orders", type=int, default=ORDERS)


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
