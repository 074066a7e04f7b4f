"""Dialogs are placed one way at every width: a box centred on the screen; the new-customer
dialog covers the picker it opens from instead of cutting through it. Checked on the regions
the dialogs' boxes take at 80×24 and 120×40."""

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
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import StillFooter
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen

from orderview.app import OrderviewApp
from tests import factories as f
from tests.ui_support import loaded_order, make_app, wait_for

SIZES = [(80, 24), (120, 40)]


def box(screen: Screen) -> Region:
    """The region of a dialog's box: its one child that is not the status line or footer."""
    [content] = [w for w in screen.children if not isinstance(w, StatusLine | StillFooter)]
    return content.region


def assert_centred(screen: Screen, width: int) -> None:
    region = box(screen)
    docks = [w.region.y for w in screen.children if isinstance(w, StatusLine | StillFooter)]
    left, right = region.x, width - region.right
    above, below = region.y, min(docks) - region.bottom
    name = type(screen).__name__
    assert region.width == min(width, 80) or region.width < 80, (name, region)
    assert abs(left - right) <= 1, (name, region, width)
    assert abs(above - below) <= 1 and above >= 0 and below >= 0, (name, region, docks)


async def opened(pilot: Pilot, app: OrderviewApp, key: str, kind: type) -> Screen:
    await pilot.press(key)
    await wait_for(
        pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted, what=kind.__name__
    )
    await pilot.pause()
    return app.screen


async def back(pilot: Pilot, app: OrderviewApp, kind: type) -> None:
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=f"back to {kind.__name__}")


@pytest.mark.parametrize("size", SIZES)
async def test_every_dialog_is_a_box_centred_on_the_screen(sqlite_db, size) -> None:
    product, _ = await f.add_product(sqlite_db)
    customer = await f.add_customer(sqlite_db)
    order = await f.add_order(sqlite_db, "ORD-1001", customer_id=customer)
    await f.add_licenses(sqlite_db, order, product, 2)
    await f.add_manager(sqlite_db, order)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    width = size[0]
    async with app.run_test(size=size) as pilot:
        await loaded_order(pilot, app)
        for key, kind in (
            ("e", EditOrderScreen),
            ("c", CustomerEditScreen),
            ("h", HistoryScreen),
            ("i", IssueWizard),
            ("x", ExportScreen),
            ("D", DeleteOrderScreen),
            ("question_mark", HelpScreen),
        ):
            assert_centred(await opened(pilot, app, key, kind), width)
            await back(pilot, app, OrderScreen)
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                app.screen.pane("managers") is not None
                and app.focused is app.screen.pane("managers").table
            ),
        )
        for key, kind in (("a", ManagerDialog), ("R", ConfirmScreen)):
            assert_centred(await opened(pilot, app, key, kind), width)
            await back(pilot, app, OrderScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_the_new_customer_dialog_covers_the_picker(sqlite_db, size) -> None:
    for i in range(30):
        await f.add_customer(sqlite_db, email=f"c{i}@example.com", last_name=f"L{i}")
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=size) as pilot:
        await loaded_order(pilot, app)
        picker = await opened(pilot, app, "c", CustomerPickScreen)
        await wait_for(pilot, lambda: picker.query_one("#customer-results").row_count > 0)
        assert_centred(picker, size[0])
        new = await opened(pilot, app, "ctrl+n", CustomerEditScreen)
        assert_centred(new, size[0])
        # Whole: no row of the picker's box shows above, below or beside the new dialog.
        assert box(new).contains_region(box(picker)), (box(new), box(picker))
