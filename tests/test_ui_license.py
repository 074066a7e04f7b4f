"""The license screen by keys, as an operator: open from the order, every action, conflicts."""

from __future__ import annotations

from datetime import date

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.license import LicenseScreen
from orderview.screens.license_edit import LicenseEditScreen
from orderview.screens.order import OrderScreen
from sqlalchemy import select

from orderview.db.models import AuditEvent
from orderview.services import license_actions, licenses
from tests.license_support import KEY, license_with_devices
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, see, wait_for


async def _open_license(pilot, app) -> LicenseScreen:
    order = await loaded_order(pilot, app)
    await pilot.press("3")
    await wait_for(
        pilot,
        lambda: order.pane("licenses") is not None and order.pane("licenses").rows,
        what="licenses tab",
    )
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, LicenseScreen) and app.screen.detail is not None,
        what="license screen",
    )
    return app.screen


async def _confirm(pilot, app) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, LicenseScreen), what="back")


async def _events(db) -> list[AuditEvent]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(AuditEvent).where(AuditEvent.entity == "license").order_by(AuditEvent.id)
            )
        )


async def test_enter_opens_the_license_and_esc_returns_to_the_same_row(sqlite_db) -> None:
    db = sqlite_db
    await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_license(pilot, app)
        await see(
            pilot,
            app,
            f"License {KEY}",
            "Activations:",
            "2 used / 3 allowed",
            "Validity:",
            "until 2030-01-15",
            "first note",
            "Order:",
            "ORD-1001",
        )
        await pilot.press("2")
        await see(pilot, app, "ada-laptop", "build-vm-7", "Ubuntu 24.04")
        await pilot.press("c")
        assert app.clipboard == KEY
        await see(pilot, app, f"Copied the key {KEY}")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="order")
        assert app.screen.pane("licenses").selected_license().license_key == KEY
        assert not screen.is_attached


async def test_disable_enable_reset_and_release_by_keys(sqlite_db) -> None:
    db = sqlite_db
    license_id = await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_license(pilot, app)
        await pilot.press("d")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: not screen.detail.enabled, what="disabled")
        await see(pilot, app, "Disabled")
        await pilot.press("e")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: screen.detail.enabled, what="enabled")
        await pilot.press("2", "down", "X")  # release the second device
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: len(screen.detail.devices) == 1, what="released")
        assert screen.detail.devices[0].hostname == "ada-laptop"
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("n")  # declined: nothing happens
        await wait_for(pilot, lambda: isinstance(app.screen, LicenseScreen), what="back")
        assert len(screen.detail.devices) == 1
        await pilot.press("R")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: not screen.detail.devices, what="reset")
        await pilot.press("3")
        await see(pilot, app, "reset activations of", "released device build-vm-7")
        await pilot.press("escape")  # the order's row shows the license as it is now
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, OrderScreen)
                and (row := app.screen.pane("licenses").selected_license()) is not None
                and row.activations == "0/3"
                and row.status == "Inactive"
            ),
            what="the order's row refreshed",
        )
    detail = await licenses.get_license(db, license_id)
    assert detail.values["times_activated"] == 0 and detail.values["transfer_count"] == 1
    events = await _events(db)
    assert [list(e.changes) for e in events] == [
        ["enabled"],
        ["enabled"],
        ["times_activated"],
        ["times_activated", "transfer_count"],
    ]


async def test_note_limits_and_extend_by_keys_with_errors_by_their_fields(sqlite_db) -> None:
    db = sqlite_db
    license_id = await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_license(pilot, app)
        await pilot.press("n")
        dialog = await _dialog(pilot, app)
        await pilot.press("ctrl+u", *"called", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LicenseScreen), what="saved")
        await wait_for(pilot, lambda: screen.detail.note == "called", what="note")
        await pilot.press("v")
        dialog = await _dialog(pilot, app)
        await pilot.press(*"2w", "ctrl+s")
        await see(pilot, app, "enter a number and d, m or y")
        assert isinstance(app.screen, LicenseEditScreen)
        await pilot.press("backspace", "backspace", *"30d", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LicenseScreen), what="saved")
        await pilot.press("m")
        dialog = await _dialog(pilot, app)
        await pilot.press("ctrl+u", *"7", "tab", "ctrl+u", "5", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LicenseScreen), what="saved")
        assert dialog is not None
    detail = await licenses.get_license(db, license_id)
    assert detail.note == "called" and detail.values["validity_period"] == date(2030, 2, 14)
    assert detail.values["max_activations"] == 7 and detail.values["max_transfers"] == 5


async def _dialog(pilot, app) -> LicenseEditScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, LicenseEditScreen), what="dialog")
    await pilot.pause()
    return app.screen


async def test_a_change_by_another_operator_is_shown_as_a_conflict(db) -> None:
    license_id = await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_license(pilot, app)
        loaded = screen.detail
        assert loaded is not None
        await license_actions.update_license(db, "bob", license_id, loaded.version, {"note": "bob"})
        await pilot.press("d")
        await _confirm(pilot, app)
        await see(pilot, app, "Not saved: This license changed after you opened it: bob at")
        await wait_for(pilot, lambda: screen.detail.note == "bob", what="shown as it is now")
        assert screen.detail.enabled
        # the dialog says so too, naming the field by its label
        await license_actions.update_license(
            db,
            "bob",
            license_id,
            screen.detail.version,
            {"max_transfers": "9"},
        )
        await pilot.press("n")
        await _dialog(pilot, app)
        await pilot.press("x", "ctrl+s")
        await see(pilot, app, "bob at", "Max transfers")
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, LicenseScreen) and screen.detail.values["max_transfers"] == 9
            ),
            what="reloaded",
        )
    assert (await licenses.get_license(db, license_id)).note == "bob"


async def test_open_license_shows_it_over_its_order_and_esc_lands_on_its_row(sqlite_db) -> None:
    """`orderview open --license KEY`: the license over its order; esc shows the order's
    Licenses tab with the cursor on that license, even deep in a big order."""
    from orderview.app import OrderviewApp
    from orderview.settings import Settings
    from tests import factories as f

    db = sqlite_db
    license_id = await license_with_devices(db)
    product = (await licenses.get_license(db, license_id)).product_code
    assert product == "ATLAS"
    order_id = (await licenses.get_license(db, license_id)).order_id
    async with db.sessions() as s:
        from orderview.db.models import Product

        product_id = await s.scalar(select(Product.id))
    await f.add_licenses(db, order_id, product_id, 250)  # after it: a window of its own
    last = (await f.add_licenses(db, order_id, product_id, 1))[0]
    target = await licenses.find_license(db, last)
    app = OrderviewApp(
        db, Settings(db=str(db.url)), "tester", open_store_id="ORD-1001", open_license=target.id
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, LicenseScreen) and app.screen.detail is not None,
            what="license screen",
        )
        await see(pilot, app, f"License {last}")
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, OrderScreen)
                and app.screen.pane("licenses") is not None
                and (row := app.screen.pane("licenses").selected_license()) is not None
                and row.license_key == last
            ),
            what="the license's row",
        )


async def test_a_viewer_sees_no_change_keys_and_is_told_why(sqlite_db) -> None:
    from orderview.roles import Actor

    db = sqlite_db
    license_id = await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    app.operator = Actor("vic", "viewer")
    async with app.run_test(size=SIZE) as pilot:
        await _open_license(pilot, app)
        footer = screen_text(app).splitlines()[-1]
        assert "Disable" not in footer and "Reset" not in footer and "Copy" in footer
        await pilot.press("d")
        await see(pilot, app, "viewer: changing licenses is not allowed")
        assert not isinstance(app.screen, ConfirmScreen)
    assert (await licenses.get_license(db, license_id)).enabled


async def test_changes_are_refused_on_a_read_only_database(sqlite_db) -> None:
    db = sqlite_db
    license_id = await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await _open_license(pilot, app)
        from tests.test_faults_read_only import refused

        db.read_only = "read-only filesystem"
        for key in ("d", "R", "n"):
            app.clear_notifications()
            await pilot.press(key)
            await wait_for(pilot, lambda: refused(app), what=f"refused {key}")
            assert isinstance(app.screen, LicenseScreen)  # no confirmation, no dialog
    db.read_only = None
    assert (await licenses.get_license(db, license_id)).version == 1


async def test_keys_typed_ahead_of_the_license_screen_reach_it(sqlite_db) -> None:
    """`enter` then `d` in one burst over a slow link: the d is for the license screen (held
    until the license is loaded), not the order screen behind it."""
    db = sqlite_db
    await license_with_devices(db)
    app = make_app(db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        order = await loaded_order(pilot, app)
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: order.pane("licenses") is not None and order.pane("licenses").rows,
            what="licenses tab",
        )
        await pilot.press("enter", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert isinstance(app.screen_stack[-2], LicenseScreen)
        await pilot.press("n")
