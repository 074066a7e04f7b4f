"""Destructive confirmations take only keys typed after they are on screen
(``widgets/fresh_keys.py``): a burst typed ahead into Delete order or Remove manager is dropped
with a line saying so, and nothing goes; the same keys typed once the dialog is there work.
Before, the type-ahead router delivered ``D``, the Order ID and enter typed in one burst to the
Delete dialog, which deleted the order nobody had seen it ask about."""

from __future__ import annotations

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.widgets.fresh_keys import IgnoredKeys
from sqlalchemy import func, select
from textual import events

from orderview.db.models import License, Order, OrderManager
from tests import factories as f
from tests.test_ui_key_burst import burst, settle, typed
from tests.test_ui_managers import open_managers_tab
from tests.ui_support import SIZE, loaded_order, make_app, wait_for

ENTER = ("enter", None)


async def count(db, model) -> int:
    async with db.sessions() as s:
        return (await s.scalar(select(func.count()).select_from(model))) or 0


def ignored_line(screen) -> str:
    line = screen.query_one(IgnoredKeys)
    return str(line.render()) if line.has_class("-shown") else ""


async def on_screen(pilot, app, kind: type) -> None:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, kind) and app.screen.shown_at is not None,
        what=f"{kind.__name__} drawn",
    )


async def test_keys_typed_ahead_into_delete_are_dropped_and_said(sqlite_db) -> None:
    product, _ = await f.add_product(sqlite_db, "APP")
    order = await f.add_order(sqlite_db, "ORD-1")
    await f.add_licenses(sqlite_db, order, product, 3)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        burst(app, ("D", "D"), *typed("ORD-1"), ENTER)  # one read: D, the Order ID, enter
        await on_screen(pilot, app, DeleteOrderScreen)
        dialog = app.screen
        await settle(pilot, lambda: "6 keys" in ignored_line(dialog))
        assert ignored_line(dialog) == (
            "6 keys typed before this dialog appeared were ignored: type after reading it."
        )
        assert dialog.query_one("#delete-confirm").value == ""
        assert app.screen is dialog
        assert await count(sqlite_db, Order) == 1 and await count(sqlite_db, License) == 3
        # typed once it is there, the same keys delete
        await pilot.press(*"ORD-1", "enter")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, DeleteOrderScreen), what="dialog closed"
        )
    assert await count(sqlite_db, Order) == 0 and await count(sqlite_db, License) == 0


async def test_a_paste_typed_ahead_into_delete_is_dropped(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        order = await loaded_order(pilot, app)
        app.push_screen(DeleteOrderScreen(order.detail))  # what D does, less the worker
        paste = events.Paste("ORD-1")
        paste.set_sender(app)
        app._driver.send_message(paste)  # in the same read as the key that opened it
        burst(app, ENTER)
        await on_screen(pilot, app, DeleteOrderScreen)
        dialog = app.screen
        await settle(pilot, lambda: "paste" in ignored_line(dialog))
        assert ignored_line(dialog).startswith(
            "1 key and 1 paste typed before this dialog appeared were ignored"
        )
        assert dialog.query_one("#delete-confirm").value == ""
    assert await count(sqlite_db, Order) == 1


async def test_y_typed_ahead_into_remove_manager_is_dropped(sqlite_db) -> None:
    order = await f.add_order(sqlite_db, "ORD-1")
    await f.add_manager(sqlite_db, order, "m@example.com")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await wait_for(pilot, lambda: pane.table.row_count == 1, what="the manager")
        burst(app, ("R", "R"), ("y", "y"))
        await on_screen(pilot, app, ConfirmScreen)
        dialog = app.screen
        await settle(pilot, lambda: "1 key" in ignored_line(dialog), timeout=15)
        assert ignored_line(dialog).startswith(
            "1 key typed before this dialog appeared was ignored"
        )
        assert app.screen is dialog
        assert await count(sqlite_db, OrderManager) == 1
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.table.row_count == 0, what="row removed")
    assert await count(sqlite_db, OrderManager) == 0


async def test_type_ahead_stays_for_other_dialogs(sqlite_db) -> None:
    """Edit order is not a destructive confirmation: the burst still reaches it."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        burst(app, ("e", "e"), *typed("REF-9"))
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, EditOrderScreen)
                and app.screen.query_one("#reference").value == "REF-9"
            ),
        )
        assert app.screen.query_one("#reference").value == "REF-9"
