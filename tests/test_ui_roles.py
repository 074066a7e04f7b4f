"""The app shows each role only the keys it can use; a key it cannot use says so in one line,
and nothing opens (the services refuse the same actions: tests/test_roles.py)."""

from __future__ import annotations

from orderview.screens.manager_dialog import ManagerDialog
from orderview.screens.order import OrderScreen
from orderview.widgets.status_line import StatusLine
from textual.widgets import Checkbox

from orderview.app import OrderviewApp
from orderview.roles import Actor
from orderview.settings import Settings
from tests import factories as f
from tests.ui_support import loaded_order, screen_text, see, wait_for

SIZE = (100, 24)


def app_for(db, role: str, **settings: object) -> OrderviewApp:
    return OrderviewApp(
        db,
        Settings(db=str(db.url), **settings),
        Actor("pat", role),
        open_store_id="ORD-1",
    )


async def test_a_viewer_sees_no_write_keys_and_is_told_why(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = app_for(sqlite_db, "viewer")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await see(pilot, app, "History")
        footer = screen_text(app).splitlines()[-1]
        for hidden in ("Edit", "Customer", "Issue", "Export", "Delete"):
            assert hidden not in footer, footer
        for key, message in (
            ("x", "viewer: exporting is not allowed"),
            ("D", "viewer: deleting orders is not allowed"),
            ("e", "viewer: editing orders is not allowed"),
        ):
            await pilot.press(key)
            await wait_for(
                pilot,
                lambda m=message: screen.query_one("#order-status", StatusLine).text == m,
                what=message,
            )
            assert app.screen is screen  # nothing opened


async def test_an_operator_cannot_delete_but_can_export(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = app_for(sqlite_db, "operator")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await see(pilot, app, "Export")
        assert "Delete" not in screen_text(app).splitlines()[-1]
        await pilot.press("D")
        await wait_for(
            pilot,
            lambda: (
                screen.query_one("#order-status", StatusLine).text
                == "operator: deleting orders is not allowed"
            ),
            what="refusal",
        )
        assert isinstance(app.screen, OrderScreen)


async def test_an_admin_sees_every_key(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = app_for(sqlite_db, "admin")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await see(pilot, app, "Export", "Delete")


async def test_only_an_admin_may_tick_distribution_permissions(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    for role, locked in (("operator", True), ("admin", False)):
        app = app_for(sqlite_db, role, plan="enterprise")
        async with app.run_test(size=SIZE) as pilot:
            await loaded_order(pilot, app)
            await pilot.press("4")
            await pilot.press("a")
            await wait_for(
                pilot,
                lambda a=app: isinstance(a.screen, ManagerDialog),
                what="dialog",
            )
            tick = app.screen.query_one("#perm-issue_license", Checkbox)
            assert tick.disabled is locked, role
            if locked:
                await see(pilot, app, "only by an admin")


async def test_the_palette_and_help_offer_a_viewer_no_write_action(sqlite_db) -> None:
    """Help and the palette are built from the screen's active bindings: what the role
    cannot use is in neither."""
    from orderview.screens.help import screen_keys
    from orderview.screens.palette_actions import ScreenActionsProvider  # noqa: F401

    await f.add_order(sqlite_db, "ORD-1")
    app = app_for(sqlite_db, "viewer")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        described = " ".join(str(k) for k in screen_keys(app, screen))
        assert "History" in described or "history" in described
        for hidden in ("Export", "Delete", "Edit the order", "Issue licenses"):
            assert hidden not in described, hidden
        actions = {active.binding.action for active in screen.active_bindings.values()}
        assert {"history"} <= actions
        assert not actions & {
            "export_order",
            "delete_order",
            "edit_order",
            "issue_licenses",
            "customer",
        }
