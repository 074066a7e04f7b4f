"""The app's light start: the orders list painted from the first page read without the data
layer, keys typed before the data layer is ready handled afterwards in the order typed, and a
setting or database fault found after the first paint ending the app as the normal start
would (one line, same exit code)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from textual.pilot import Pilot

from orderview.app import OrderviewApp
from orderview.cli.app_cmd import LightStart, light_start
from orderview.cli.context import Context
from orderview.db.engine import Database
from tests import factories as f
from tests.ui_support import SIZE, screen_text, wait_for


class GatedStart(LightStart):
    """A light start whose data layer opens only when the test says so."""

    gate: asyncio.Event
    finished = False

    async def finish(self) -> Context:
        await self.gate.wait()
        ctx = await super().finish()
        self.finished = True
        return ctx


def gated(path: Path, **args: object) -> GatedStart:
    start = light_start(argparse.Namespace(db=str(path), **args))
    assert start is not None
    gated = GatedStart(start.args, start.settings, start.first_page)
    gated.gate = asyncio.Event()
    return gated


def light_app(start: LightStart) -> OrderviewApp:
    return OrderviewApp(None, start.settings, "tester", light=start)


@asynccontextmanager
async def running(app: OrderviewApp) -> AsyncIterator[Pilot]:
    """``app.run_test`` at 80×24, closing the database the light start opened."""
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield pilot
    finally:
        if app.db is not None:
            await app.db.dispose()


async def seed(db: Database) -> None:
    customer = await f.add_customer(db, company_name="[/b] ACME [Ltd]")
    await f.add_order(db, "ORD-1001", customer_id=customer)
    await f.add_order(db, "ORD-1002", created_at=f.T0.replace(hour=10))
    await f.add_order(db, "XYZ-9", created_at=f.T0.replace(hour=11))


async def test_first_paint_is_the_list_before_the_data_layer(sqlite_db: Database,
                                                            sqlite_path: Path) -> None:
    await seed(sqlite_db)
    start = gated(sqlite_path)
    app = light_app(start)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: "newest 3 orders" in screen_text(app), what="list")
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        assert [s.store_id for s in screen.results] == ["XYZ-9", "ORD-1002", "ORD-1001"]
        assert "[/b] ACME [Ltd]" in screen_text(app)  # literal, as on the normal start
        assert app.db is None and not app.ready and app.mail_sender is None
        start.gate.set()
        await wait_for(pilot, lambda: app.ready, what="data layer")
        assert app.db is not None and app.mail_sender is not None
        assert app.settings.plan == "standard"  # the full, validated settings now


async def test_keys_typed_before_the_data_layer_are_handled_after_it_in_order(
    sqlite_db: Database, sqlite_path: Path
) -> None:
    """A search typed and submitted while the data layer loads: nothing is lost, nothing runs
    early, and enter opens the top result of the complete search."""
    await seed(sqlite_db)
    start = gated(sqlite_path)
    app = light_app(start)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 3, what="first page")
        screen = app.screen
        await pilot.press(*"ord-1001", "enter")
        await pilot.pause()
        assert screen.query_one("#search").value == ""  # held, not typed yet
        assert app.screen is screen
        start.gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="order")
        assert screen.query_one("#search").value == "ord-1001"
        await wait_for(pilot, lambda: app.screen.detail is not None, what="detail")
        assert app.screen.detail.store_id == "ORD-1001"


async def test_keys_after_the_data_layer_are_not_held(sqlite_db: Database,
                                                       sqlite_path: Path) -> None:
    await seed(sqlite_db)
    start = gated(sqlite_path)
    start.gate.set()
    app = light_app(start)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: app.ready, what="data layer")
        screen = app.screen
        await pilot.press(*"xyz")
        await wait_for(pilot, lambda: screen.query_text == "xyz", what="search")
        assert [s.store_id for s in screen.results] == ["XYZ-9"]


async def test_ctrl_q_quits_before_the_data_layer(sqlite_db: Database,
                                                   sqlite_path: Path) -> None:
    await seed(sqlite_db)
    start = gated(sqlite_path)
    app = light_app(start)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 3, what="first page")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running and app.db is None and not start.finished


async def test_invalid_setting_found_after_the_first_paint_ends_the_app(
    sqlite_db: Database, sqlite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(sqlite_db)
    monkeypatch.setenv("ORDERVIEW_PLAN", "gold")  # not read for the first paint
    start = gated(sqlite_path)
    start.gate.set()
    app = light_app(start)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.is_running, what="exit")
    assert app.start_error is not None and app.return_code == 2
    assert str(app.start_error).startswith("invalid setting plan:")
    assert app.db is None


# ------------------------------------------------------------------ in a pseudo-terminal


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def launch(db: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    """``orderview --db DB`` in a pty, once it shows the orders list."""
    from benchmarks.bandwidth import Terminal

    base = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    term = Terminal([sys.executable, "-m", "orderview", "--db", str(db)],
                    base | {"TERM": "xterm-256color", "ORDERVIEW_OPERATOR": "tester"} | env)
    wait_screen(term, "newest")
    return term


def wait_screen(term, text: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and term.proc.poll() is None:
        term.take()
        if text in "\n".join(term.screen.display):
            return
        time.sleep(0.01)


def finish(term) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    try:
        term.proc.wait(timeout=30)
        time.sleep(0.2)  # the reader thread collects the last bytes
        data = b"".join(chunk for _, chunk in term.chunks)
        return term.proc.returncode, data.decode("utf-8", "replace")
    finally:
        term.close()


@posix_only
def test_invalid_setting_is_one_line_and_exit_2_in_a_terminal(sqlite_path: Path) -> None:
    code, output = finish(launch(sqlite_path, {"ORDERVIEW_PLAN": "gold"}))
    assert "newest 0 orders" in output  # painted first, then the full settings were read
    assert code == 2
    tail = output.rsplit("\x1b[?1049l", 1)[-1]  # after the app left the alternate screen
    assert "orderview: error: invalid setting plan:" in tail
    assert "Traceback" not in output


@posix_only
def test_search_typed_ahead_opens_the_order_in_a_terminal(sqlite_path: Path) -> None:
    """Typed the moment the list shows, while the data layer is still loading: the search and
    its enter are handled once it is ready, in order."""
    async def go() -> None:
        from orderview.db.engine import open_database

        db = open_database(str(sqlite_path))
        await seed(db)
        await db.dispose()

    asyncio.run(go())
    term = launch(sqlite_path, {})
    term.send("ord-1001\r")
    wait_screen(term, "Order ORD-1001")
    assert "Order ORD-1001" in "\n".join(term.screen.display)
    term.send("\x11")  # ctrl+q
    code, output = finish(term)
    assert code == 0 and "Traceback" not in output
