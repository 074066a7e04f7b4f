"""ctrl+p: "Open order…" searches orders as you type and opens the chosen one; every action of
the current screen is there by name, and runs as its key would."""

from __future__ import annotations

from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.export_dialog import ExportScreen
from orderview.screens.issue_wizard import IssueWizard
from orderview.screens.manager_dialog import ManagerDialog
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
            pilot,
            lambda: (
                "Open order ORD-2002"
                in [
                    str(getattr(o.hit, "text", ""))
                    for o in app.screen.query_one("CommandList")._options
                    if hasattr(o, "hit")
                ]
            ),
            what="palette hit",
        )
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order screen",
        )
        assert app.screen.detail.store_id == "ORD-2002"


async def test_palette_discovery_lists_open_order(sqlite_db) -> None:
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(
            pilot,
            lambda: any(
                "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
                for o in app.screen.query_one("CommandList")._options
            ),
            what="discovery hit",
        )


async def test_palette_open_order_without_an_id_goes_to_the_search_box(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"open order")
        await wait_for(
            pilot,
            lambda: any(
                "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
                for o in app.screen.query_one("CommandList")._options
            ),
            what="command hit",
        )
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
        await wait_for(
            pilot,
            lambda: any(
                "Open order…" in str(getattr(getattr(o, "hit", None), "text", ""))
                for o in app.screen.query_one("CommandList")._options
            ),
            what="command hit",
        )
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.screen is home and app.focused is home.query_one("#search")
        )
        await pilot.press(*"ORD-2002")
        assert home.query_one("#search").value == "ORD-2002"


# -- every action of the current screen, by name ----------------------------------------------


def palette_hits(app) -> list[str]:
    """The entries the palette lists now (their plain text)."""
    return [
        str(getattr(o.hit, "text", "") or getattr(o.hit, "prompt", ""))
        for o in app.screen.query_one("CommandList")._options
        if hasattr(o, "hit")
    ]


async def palette_search(pilot, app, text: str, expected: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*text)
    await wait_for(
        pilot,
        lambda: palette_hits(app) and palette_hits(app)[0] == expected,
        what=f"{expected!r} first for {text!r}",
    )


async def test_palette_offers_every_action_of_the_order_screen_by_name(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None
        )
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(
            pilot, lambda: "Export the order as CSV" in palette_hits(app), what="discovery"
        )
        hits = palette_hits(app)
        for title in (
            "Edit the order",
            "Customer: pick, create, edit or unlink",
            "History of the order (audit trail)",
            "Issue licenses into this order",
            "Export the order as CSV",
            "Delete the order (asks first)",
            "Reload the order",
            "Back to the orders",
            "Help",
            "Open order…",
        ):
            assert title in hits, (title, hits)
        assert "Cursor up" not in hits and "Focus Next" not in hits  # generic keys left out
        # By the words an operator types.
        for typed, title in (
            ("export", "Export the order as CSV"),
            ("edit order", "Edit the order"),
            ("issue licenses", "Issue licenses into this order"),
            ("delete order", "Delete the order (asks first)"),
        ):
            await pilot.press("ctrl+u", *typed)
            await wait_for(
                pilot, lambda t=title: palette_hits(app)[:1] == [t], what=f"{title!r} for {typed!r}"
            )


async def test_palette_export_opens_the_export_dialog(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None
        )
        await palette_search(pilot, app, "export", "Export the order as CSV")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export dialog")


async def test_palette_delete_still_asks_first(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1001")
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None
        )
        await palette_search(pilot, app, "delete", "Delete the order (asks first)")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, DeleteOrderScreen), what="delete confirmation"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        assert app.screen.detail.store_id == "ORD-1001"  # nothing deleted without the Order ID


async def test_palette_offers_the_managers_tab_actions_there(sqlite_db) -> None:
    order = await f.add_order(sqlite_db, "ORD-1001")
    await f.add_manager(sqlite_db, order)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None
        )
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                app.screen.pane("managers") is not None
                and app.focused is app.screen.pane("managers").table
            ),
        )
        await palette_search(pilot, app, "add manager", "Add a manager")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerDialog), what="add dialog")


async def test_palette_on_the_orders_screen_offers_its_actions(sqlite_db) -> None:
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await palette_search(pilot, app, "new order", "New order")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IssueWizard), what="wizard")
