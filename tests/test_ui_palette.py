"""ctrl+p → "Open order…": searches orders as you type and opens the chosen one."""

from __future__ import annotations

from orderview.screens.open_order import order_query
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from textual.command import CommandPalette
from textual.widgets import Input

from tests import factories as f
from tests.ui_support import SIZE, make_app, wait_for


def test_order_query_strips_the_command_words() -> None:
    assert order_query("open order ORD-1") == "ORD-1"
    assert order_query("Open order… acme") == "acme"
    assert order_query("ORD-1") == "ORD-1"
    assert order_query("open order") == ""


async def test_palette_open_order_by_typing_its_id(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    await f.add_order(sqlite_db, "ORD-2002")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 2)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette_input = app.screen.query_one(Input)
        assert palette_input.cursor_blink is False
        await pilot.press(*"ORD-2002")
        await wait_for(
            pilot, lambda: "Open order ORD-2002" in [
                str(getattr(o.hit, "text", "")) for o in app.screen.query_one(
                    "CommandList")._options
                if hasattr(o, "hit")],
            what="palette hit",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen)
                       and app.screen.detail is not None, what="order screen")
        assert app.screen.detail.store_id == "ORD-2002"


async def test_palette_discovery_lists_open_order(sqlite_db) -> None:
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(pilot, lambda: any(
            "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
            for o in app.screen.query_one("CommandList")._options), what="discovery hit")


async def test_palette_open_order_without_an_id_goes_to_the_search_box(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"open order")
        await wait_for(pilot, lambda: any(
            "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
            for o in app.screen.query_one("CommandList")._options), what="command hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#search"))


async def test_palette_open_order_replaces_the_last_search(sqlite_db) -> None:
    """Back in the search box from the palette, typing starts a new search (the previous text
    is selected), rather than being appended to it."""
    await f.add_order(sqlite_db, "ORD-1001")
    await f.add_order(sqlite_db, "ORD-2002")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await wait_for(pilot, lambda: home.table.row_count == 2)
        await pilot.press(*"ORD-1001", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"open order")
        await wait_for(pilot, lambda: any(
            "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
            for o in app.screen.query_one("CommandList")._options), what="command hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is home and app.focused is home.query_one("#search"))
        await pilot.press(*"ORD-2002")
        assert home.query_one("#search").value == "ORD-2002"
