"""Start-up: ``orderview`` on the 100,000-order database until it is *ready* — time to
interactive, through a real pseudo-terminal — against a bare Textual app that imports the same
stack and answers one query.

    .venv/bin/python -m benchmarks.startup [--runs 7] [--orders N] [--backend postgresql]

Time to interactive (the headline): the app is started on an 80×24 pty (xterm-256color) and an
Order ID and enter are typed at once, as an operator who knows what they want types them; the
clock stops when the screen shows that order's screen (its header and tabs). Keys typed before
the app has set its terminal up arrive through the still-cooked terminal (enter as a line
feed), so this also proves they work as typed.

The baseline, in the same run: a bare Textual app (a text box and a label) that imports the same
stack — SQLAlchemy's asyncio engine over aiosqlite (asyncpg with ``--backend postgresql``),
pydantic — and, on enter, reads that order through an async engine on the same database and
shows it. The two alternate run by run (A B A B),
so a noisy neighbour hurts both alike.

First paint (secondary): in separate runs with nothing typed, until the orders list with its
status line is on screen; the baseline app until its label is. Also alternated.

Bytecode: both start from compiled bytecode, as an installed app does (pip compiles it on
install; Python caches it on the first run). Textual's is in site-packages already; orderview's
own packages are compiled once before timing (``precompile``), because an editable install
never compiles them and this container sets ``PYTHONDONTWRITEBYTECODE=1``.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from benchmarks.common import ORDERS, Figure, bench_main, ensure_pg, ensure_sqlite, spread
from benchmarks.pty_clock import clock

# The floor of "ready": Textual plus the data stack, one query answered. Enter is bound as
# ctrl+j too, so keys typed before the terminal is raw (enter arrives as a line feed) work
# here as in orderview.
BARE_APP = """
import sys
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, Label

class Found(BaseModel):
    store_id: str
    reference: str

class Bare(App):
    BINDINGS = [Binding("ctrl+j", "ask", priority=True)]

    def __init__(self):
        super().__init__()
        where = sys.argv[1]
        self.engine = create_async_engine(
            where.replace("postgresql://", "postgresql+asyncpg://", 1)
            if where.startswith("postgresql://") else "sqlite+aiosqlite:///" + where)

    def compose(self):
        yield Input(id="q")
        yield Label("bare app ready", id="out")

    async def on_input_submitted(self, event):
        await self.action_ask()

    async def action_ask(self):
        async with self.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT store_id, reference FROM orders WHERE store_id = :s"),
                {"s": self.query_one(Input).value})).one()
        found = Found(store_id=row[0], reference=row[1])
        self.query_one(Label).update(f"found {found.store_id} {found.reference}")

Bare().run()
"""


def order_screen(store_id: str):
    """orderview's order screen for ``store_id``: its header and its tabs are painted."""
    return lambda text: "Licenses" in text and "Details" in text and store_id in text


def orders_painted(text: str) -> bool:
    return "newest 50 orders" in text and "Order ID" in text


APP_PACKAGES = ("orderview", "orderview.screens", "orderview.widgets")


def precompile() -> None:
    """Compile orderview's own packages to bytecode, as installing them does (see above)."""
    import compileall
    import importlib.util

    for name in APP_PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def typical_order(db: str) -> str:
    """An Order ID from the middle of the table with a handful of licenses: start-up, not the
    opening of a large order (that is ``benchmarks.open_order``)."""
    import asyncio

    from sqlalchemy import text

    from orderview.db.engine import open_database

    async def read() -> str:
        database = open_database(db)
        try:
            async with database.engine.connect() as conn:
                return str(
                    await conn.scalar(
                        text(
                            "SELECT store_id FROM orders WHERE id >= (SELECT max(id) / 2 FROM "
                            "orders) AND (SELECT count(*) FROM licenses WHERE order_id = "
                            "orders.id) BETWEEN 1 AND 5 ORDER BY id LIMIT 1"
                        )
                    )
                )
        finally:
            await database.dispose()

    return asyncio.run(read())


def figures(args: argparse.Namespace) -> list[Figure]:
    db = ensure_pg(args.orders) if args.backend == "postgresql" else str(ensure_sqlite(args.orders))
    backend = ", PostgreSQL" if args.backend == "postgresql" else ""
    precompile()
    runs = 3 if args.quick else args.runs
    store_id = typical_order(db)
    typed = (store_id + "\r").encode()
    app_argv = [sys.executable, "-m", "orderview", "--db", db]
    bare_argv = [sys.executable, "-c", BARE_APP, db]

    def app_ready() -> float:
        return clock(app_argv, [(None, typed), (order_screen(store_id), b"")])[-1]

    def bare_ready() -> float:
        return clock(bare_argv, [(None, typed), (lambda t: f"found {store_id}" in t, b"")])[-1]

    def app_paint() -> float:
        return clock(app_argv, [(orders_painted, b"")])[-1]

    def bare_paint() -> float:
        return clock(bare_argv, [(lambda t: "bare app ready" in t, b"")])[-1]

    for warm in (app_ready, bare_ready):  # the page cache warm: not a cold boot
        warm()
    ready, base_ready, paint, base_paint = [], [], [], []
    for _ in range(runs):  # interleaved: A B A B
        ready.append(app_ready())
        base_ready.append(bare_ready())
        paint.append(app_paint())
        base_paint.append(bare_paint())
    value, base = statistics.median(ready), statistics.median(base_ready)
    pvalue, pbase = statistics.median(paint), statistics.median(base_paint)
    return [
        Figure(
            name="time to interactive: start, type an Order ID and enter at once, until its "
            f"order screen is painted (pty 80×24){backend}",
            value=value,
            shown=spread(ready),
            baseline_name="bare Textual app importing SQLAlchemy async + pydantic, answering "
            "the same Order ID by one query",
            baseline=base,
            baseline_shown=spread(base_ready),
            target="≤ 1.3× baseline",
            met=value <= 1.3 * base,
            notes=f"Order ID {store_id} typed with enter straight after the start",
        ),
        Figure(
            name=f"… first paint of the orders list, nothing typed (secondary){backend}",
            value=pvalue,
            shown=spread(paint),
            baseline_name="the same bare app until its label is painted",
            baseline=pbase,
            baseline_shown=spread(base_paint),
            target="—",
            met=None,
        ),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
