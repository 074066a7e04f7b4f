"""Open the order with the most licenses until its Licenses tab has painted, against raw SQL for
the same first page; and how much the process's memory grew doing it.

    .venv/bin/python -m benchmarks.open_order [--runs 5]

Each run is a fresh process running the real app headless at 80×24 on the 100,000-order
database: once the orders screen has painted, the clock starts, the order is opened
(``app.open_order``, what ``enter`` on a result does) and its Licenses tab shown (``3``); the
clock stops when the table holds its first page and the screen has been repainted with it.
Memory growth is the process's peak RSS after that minus its RSS just before opening (Linux
/proc). The baseline in the same process: the first page (100 licenses with their product)
as one raw SQL statement through the same driver. A second reference, in the notes: a bare
Textual screen of the same shape (header, TabbedContent with four panes opening on a 100-row
DataTable, status line, footer) with no database at all — what Textual itself needs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ORDERS, Figure, bench_main, ensure_sqlite, spread

FIRST_PAGE = ("SELECT l.id, l.license_key, l.user_email, p.short_code, p.name, l.license_type, "
              "l.enabled, l.times_activated, l.max_activations, l.allow_unlimited_activations, "
              "l.validity_period, l.valid_duration, l.start_date, l.is_trial, l.trial_days, "
              "l.is_floating, l.floating_users, l.max_transfers, l.note, l.created_at "
              "FROM licenses l JOIN products p ON p.id = l.product_id WHERE l.order_id = ? "
              "ORDER BY l.id LIMIT 101")


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


async def _largest(location: str) -> int:
    import aiosqlite

    async with aiosqlite.connect(location) as conn:
        cursor = await conn.execute(
            "SELECT order_id FROM licenses GROUP BY order_id ORDER BY count(*) DESC LIMIT 1")
        return (await cursor.fetchone())[0]


async def _raw_first_page(location: str, order_id: int, runs: int) -> list[float]:
    import aiosqlite

    times = []
    async with aiosqlite.connect(location) as conn:
        for _ in range(runs + 1):
            began = time.perf_counter()
            cursor = await conn.execute(FIRST_PAGE, (order_id,))
            rows = await cursor.fetchall()
            times.append(time.perf_counter() - began)
            assert len(rows) == 101
    return times[1:]


async def one_open(location: str, order_id: int) -> dict[str, float]:
    """In this (fresh) process: start the app, then time opening the order on its Licenses tab."""
    from orderview.app import OrderviewApp
    from orderview.db.engine import open_database
    from orderview.settings import Settings
    from screens.order import OrderScreen
    from screens.orders import OrdersScreen
    from widgets.literal_table import LiteralTable

    async def until(predicate: Callable[[], bool]) -> None:
        while True:
            try:
                if predicate():
                    return
            except Exception:  # noqa: BLE001 - not mounted yet
                pass
            await asyncio.sleep(0.001)

    db = open_database(location)
    app = OrderviewApp(db, Settings(db=location), "bench")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OrdersScreen) and bool(app.screen.results))
        await pilot.pause()
        rss_before = _kb("VmRSS")
        began = time.perf_counter()
        app.open_order(order_id)
        await until(lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None)
        app.screen.show_tab("licenses")
        await until(lambda: app.screen.query_one("#licenses-table", LiteralTable).row_count > 0)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()  # the repaint with the rows
        took = time.perf_counter() - began
        peak = _kb("VmHWM")
    await db.dispose()
    return {"seconds": took, "growth_mb": (peak - rss_before) / 1024}


async def bare_screen() -> float:
    """Seconds to push and paint a database-free screen shaped like the order screen."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Label, Static, TabbedContent, TabPane

    class Table(DataTable):  # type: ignore[type-arg]
        def on_mount(self) -> None:
            self.add_columns("Key or user", "Prod.", "Type", "Status", "Act.", "Expiry",
                             "Created")
            self.add_rows([tuple(Text(f"{r}-{c}") for c in range(7)) for r in range(100)])

    class Shaped(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Static("Order")
            with TabbedContent(initial="licenses"):
                for tab_id in ("details", "customer", "licenses", "managers"):
                    with TabPane(tab_id.title(), id=tab_id):
                        if tab_id == "licenses":
                            yield Table()
            yield Static("status")
            yield Footer()

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("home")
            yield Footer()

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        began = time.perf_counter()
        app.push_screen(Shaped())
        while not (isinstance(app.screen, Shaped) and app.screen.query(DataTable)
                   and app.screen.query_one(DataTable).row_count):
            await asyncio.sleep(0.001)
        await pilot.pause()
        return time.perf_counter() - began


def figures(args: argparse.Namespace) -> list[Figure]:
    location = str(ensure_sqlite(args.orders))
    order_id = asyncio.run(_largest(location))
    runs = 3 if args.quick else args.runs
    opens, growth = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-m", "benchmarks.open_order", "--child",
                              location, str(order_id)], check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        opens.append(result["seconds"])
        growth.append(result["growth_mb"])
    raw = asyncio.run(_raw_first_page(location, order_id, max(runs, 5)))
    floor = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-m", "benchmarks.open_order", "--bare"],
                             check=True, capture_output=True, text=True)
        floor.append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    value, mb = statistics.median(opens), statistics.median(growth)
    return [
        Figure(name="open the order with the most licenses until its Licenses tab painted",
               value=value, shown=spread(opens), baseline_name="raw SQL for the same first page "
               "(aiosqlite)", baseline=statistics.median(raw),
               baseline_shown=spread(raw, 1000, 2, "ms"), target="≤ 0.15 s", met=value <= 0.15,
               notes="a database-free Textual screen of the same shape (TabbedContent opening "
                     f"on a 100-row DataTable, footer) takes {spread(floor)}"),
        Figure(name="… its memory growth (peak RSS − RSS before)", value=mb,
               shown=f"{mb:.1f} MB ({min(growth):.1f}–{max(growth):.1f}, n={len(growth)})",
               baseline_name="—", baseline=None, baseline_shown="—", target="≤ 30 MB",
               met=mb <= 30),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--child", nargs=2, metavar=("DB", "ORDER_ID"), help=argparse.SUPPRESS)


def main() -> None:
    if "--bare" in sys.argv:
        print(json.dumps({"seconds": asyncio.run(bare_screen())}))
        return
    if "--child" in sys.argv:
        location, order_id = sys.argv[sys.argv.index("--child") + 1:][:2]
        print(json.dumps(asyncio.run(one_open(location, int(order_id)))))
        return
    bench_main(__doc__, figures, configure)


if __name__ == "__main__":
    main()
