"""The terminal resized to 80×24 and far below in the middle of every dialog: no crash, the
dialog stays open with what was typed, and saving still works afterwards."""

from __future__ import annotations

from orderview.screens.customer_edit import CustomerEditScreen
from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.export_dialog import ExportScreen
from orderview.screens.help import HelpScreen
from orderview.screens.history import HistoryScreen
from orderview.screens.issue_wizard import IssueWizard
from orderview.screens.manager_dialog import ManagerDialog
from orderview.screens.order import OrderScreen

from orderview.services import orders
from tests import factories as f
from tests.ui_support import SIZE, make_app, wait_for

SIZES = [(80, 24), (40, 12), (1, 1), (80, 24)]

DIALOGS = [
    ("e", EditOrderScreen, None),
    ("c", CustomerEditScreen, None),
    ("h", HistoryScreen, None),
    ("x", ExportScreen, None),
    ("D", DeleteOrderScreen, None),
    ("i", IssueWizard, None),
    ("question_mark", HelpScreen, None),
    ("a", ManagerDialog, "4"),
]


async def shake(pilot, app) -> None:
    for width, height in SIZES:
        await pilot.resize_terminal(width, height)
        await pilot.pause()
        assert app.is_running, (width, height)


async def test_resizing_in_the_middle_of_every_dialog(sqlite_db) -> None:
    cid = await f.add_customer(sqlite_db)
    oid = await f.add_order(sqlite_db, "ORD-RS", customer_id=cid)
    await f.add_product(sqlite_db, "APP")
    await f.add_manager(sqlite_db, oid)
    app = make_app(sqlite_db, open_store_id="ORD-RS")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order",
        )
        screen = app.screen
        for key, dialog, tab in DIALOGS:
            if tab:
                await pilot.press(tab)
                await wait_for(pilot, lambda: screen.pane("managers") is not None, what="tab")
            await pilot.press(key)
            await wait_for(pilot, lambda d=dialog: isinstance(app.screen, d), what=dialog.__name__)
            opened = app.screen
            await shake(pilot, app)
            assert app.screen is opened, dialog.__name__  # still open after all that
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen, what=f"{dialog.__name__} closed")
        await shake(pilot, app)  # the order screen itself

        # Typed text survives a resize to 1×1 and back, and the save then works.
        await pilot.press("1", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="edit")
        await pilot.press(*"REF-RS")
        await shake(pilot, app)
        assert app.screen.query_one("#reference").value == "REF-RS"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: app.screen is screen and screen.detail.version == 2, what="saved"
        )
    assert (await orders.get_order(sqlite_db, oid)).reference == "REF-RS"
