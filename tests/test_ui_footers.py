"""Every screen's and dialog's footer fits its width, with help shown last and always.

Walks every screen and dialog by keys at 80×24 and 100×24 and reads the footer line off the
screen: ``? Help`` (``F1 Help`` while a text box takes ``?``) is on it, the last key.
"""

from __future__ import annotations

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.customer_edit import CustomerEditScreen
from orderview.screens.customer_pick import CustomerPickScreen
from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.export_dialog import ExportScreen
from orderview.screens.help import HelpScreen
from orderview.screens.history import HistoryScreen
from orderview.screens.issue_wizard import IssueWizard
from orderview.screens.manager_dialog import ManagerDialog
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from orderview.widgets.still_footer import fit_keys
from textual.pilot import Pilot

from orderview.app import OrderviewApp
from tests import factories as f
from tests.ui_support import loaded_order, make_app, screen_text, wait_for


def footer_line(app: OrderviewApp) -> str:
    return screen_text(app).splitlines()[-1]


HELP_KEYS = ("? Help", "F1 Help")  # F1 while a text box takes "?" as a character


async def help_in_footer(pilot: Pilot, app: OrderviewApp, where: str) -> str:
    """Wait for the footer to show its keys; the help key must be among them, last."""

    def keys() -> str:
        return footer_line(app).split("▏")[0].rstrip()

    await wait_for(pilot, lambda: keys().endswith(HELP_KEYS), what=f"help last on {where}")
    return footer_line(app)


async def seed(db) -> None:
    product, _ = await f.add_product(db)
    customer = await f.add_customer(db)
    order = await f.add_order(db, "ORD-1001", customer_id=customer)
    await f.add_licenses(db, order, product, 3)
    await f.add_manager(db, order)
    await f.add_order(db, "ORD-2002")  # no customer: c opens the picker


async def step(pilot: Pilot, app: OrderviewApp, key: str, kind: type, seen: list[str]) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=kind.__name__)
    seen.append(await help_in_footer(pilot, app, kind.__name__))


async def close(pilot: Pilot, app: OrderviewApp, kind: type) -> None:
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=f"back on {kind.__name__}")


@pytest.mark.parametrize("width", [80, 100])
async def test_every_screen_and_dialog_shows_help_last_in_its_footer(sqlite_db, width) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    seen: list[str] = []
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 2)
        seen.append(await help_in_footer(pilot, app, "orders"))
        await pilot.press("down")  # the results table: other keys
        seen.append(await help_in_footer(pilot, app, "orders results"))
        await pilot.press("question_mark")  # help itself says how to close it
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: footer_line(app).startswith(" esc Close"))
        await close(pilot, app, OrdersScreen)
        await step(pilot, app, "n", IssueWizard, seen)  # the new-order wizard
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#search"))
        await pilot.press(*"ORD-1001")
        await pilot.press("enter")
        await loaded_order(pilot, app)
        for key, tab in zip("1234", ("details", "customer", "licenses", "managers"), strict=True):
            await pilot.press(key)
            await wait_for(pilot, lambda t=tab: app.screen.pane(t) is not None)
            await pilot.pause()
            seen.append(await help_in_footer(pilot, app, f"order tab {tab}"))
        # The License manager tab has the most keys: the ones lost before fit, or give way.
        await step(pilot, app, "a", ManagerDialog, seen)
        await close(pilot, app, OrderScreen)
        await step(pilot, app, "R", ConfirmScreen, seen)
        await close(pilot, app, OrderScreen)
        for key, kind in (
            ("e", EditOrderScreen),
            ("c", CustomerEditScreen),
            ("h", HistoryScreen),
            ("i", IssueWizard),
            ("x", ExportScreen),
            ("D", DeleteOrderScreen),
        ):
            await step(pilot, app, key, kind, seen)
            await close(pilot, app, OrderScreen)
        await close(pilot, app, OrdersScreen)
        await pilot.press("escape", "end", "ctrl+u", *"ORD-2002", "enter")
        await loaded_order(pilot, app)
        await step(pilot, app, "c", CustomerPickScreen, seen)
        await step(pilot, app, "ctrl+n", CustomerEditScreen, seen)  # the new-customer dialog
    assert len(seen) == 17


async def test_the_managers_tab_keeps_help_when_its_keys_do_not_fit(sqlite_db) -> None:
    """The issue's case: at 80 columns the tab's and the order's keys are wider than the
    footer; the last ones give way, ``? Help`` stays (it lists them all)."""
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded_order(pilot, app)
        await pilot.press("4")
        await wait_for(pilot, lambda: app.screen.pane("managers") is not None)
        line = await help_in_footer(pilot, app, "managers tab")
        assert line.startswith(" ⏎ Permissions a Add r Resend R Remove e Edit")
        assert line.rstrip().endswith("^p palette")
        await pilot.resize_terminal(120, 24)  # room again: every key comes back
        await wait_for(pilot, lambda: "D Delete ? Help" in footer_line(app), what="all keys")


def test_fit_keys_keeps_order_and_puts_help_last() -> None:
    class Key:
        def __init__(self, key: str, description: str, action: str) -> None:
            self.key_display, self.description, self.action = key, description, action

    help_key = Key("?", "Help", "app.help")
    keys = [Key("a", "Add", "add"), help_key, Key("e", "Edit", "edit"), Key("x", "Export", "x")]
    assert fit_keys(keys, 100) == [keys[0], keys[2], keys[3], help_key]
    # a Add (6) + ? Help (7) fit 15; e Edit (7) does not, nor anything after it.
    assert fit_keys(keys, 15) == [keys[0], help_key]
    assert fit_keys(keys, 3) == [help_key]
