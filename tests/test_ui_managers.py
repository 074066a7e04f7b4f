"""License manager tab and dialogs, driven by keys at 80x24, checked on widgets and in the DB."""

from __future__ import annotations

import re
from datetime import timedelta

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.manager_dialog import ManagerDialog
from orderview.screens.order import OrderScreen
from orderview.screens.order_tabs.managers import ManagersPane
from orderview.widgets.still_input import StillInput
from sqlalchemy import select
from textual.widgets import Checkbox, Static

from orderview.db.models import AuditEvent, LicenseManager, MailOutbox, OrderManager
from orderview.mail import delivery, outbox
from orderview.permissions import DISTRIBUTION_CODES
from orderview.services import managers, passwords
from orderview.settings import Settings
from tests import factories as f
from tests.smtp_capture import SMTPServer
from tests.ui_support import SIZE, make_app, screen_text, wait_for

HOSTILE = "[@click=app.quit]Ev[/]il [b]x"


async def rows(db, model, *where):
    async with db.sessions() as s:
        return list(await s.scalars(select(model).where(*where).order_by(model.id)))


async def open_managers_tab(app, pilot) -> ManagersPane:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
        what="order screen",
    )
    await pilot.press("4")
    await wait_for(
        pilot,
        lambda: (
            app.screen.pane("managers") is not None
            and app.focused is app.screen.pane("managers").table
        ),
        what="managers tab",
    )
    return app.screen.pane("managers")


async def open_dialog(app, pilot, key: str = "a") -> ManagerDialog:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ManagerDialog), what="dialog")
    return app.screen


def box(dialog: ManagerDialog, code: str) -> Checkbox:
    return dialog.query_one(f"#perm-{code}", Checkbox)


COLUMN = {"email": 0, "name": 1, "perms": 2, "invite": 3, "login": 4}


def cell(pane: ManagersPane, column: str, row: int = 0) -> str:
    return str(pane.table.get_row_at(row)[COLUMN[column]]).strip()


def invite_cell(pane: ManagersPane, row: int = 0) -> str:
    return cell(pane, "invite", row)


def detail_text(pane: ManagersPane) -> str:
    return str(pane.query_one("#manager-detail", Static).content)


async def test_add_manager_with_chosen_permissions_by_keys(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        assert "No license managers" in pane.status.text
        dialog = await open_dialog(app, pilot)
        assert app.focused is dialog.query_one("#email", StillInput)
        # New dialogs start from the default permission set in the settings.
        assert dialog.permissions() == ["manage_license_users", "reset_device", "reset_license"]
        await pilot.press(
            *"new.person@example.com", "tab", *"Ada", "tab", *"Byron", "tab", *"+44 20 1234"
        )
        await pilot.press("tab", "tab", "tab")  # users, credentials, managers
        assert app.focused is box(dialog, "manage_managers")
        await pilot.press("space", "tab", "tab", "space")  # grant managers, drop reset-license
        assert dialog.permissions() == ["manage_license_users", "manage_managers", "reset_device"]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
        await wait_for(pilot, lambda: pane.table.row_count == 1, what="row")
        assert "invite queued — waits for a mail server" in pane.status.text
        assert invite_cell(pane) == "waits for mail server"
        assert cell(pane, "perms") == "U·MD·····"
        assert "queued — waits for a mail server (no mail server configured)" in detail_text(pane)
        assert "new.person@example.com" in screen_text(app)
    [person] = await rows(sqlite_db, LicenseManager)
    assert (person.email, person.first_name, person.last_name, person.phone_number) == (
        "new.person@example.com",
        "Ada",
        "Byron",
        "+44 20 1234",
    )
    [assignment] = await rows(sqlite_db, OrderManager)
    assert assignment.permissions == ["manage_license_users", "manage_managers", "reset_device"]
    [mail] = await rows(sqlite_db, MailOutbox)
    assert mail.status == "queued" and mail.to_address == "new.person@example.com"
    [event] = await rows(sqlite_db, AuditEvent)
    assert event.action == "created" and event.operator == "tester"


async def test_bad_email_shows_next_to_field_and_saves_nothing(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot)
        await pilot.press(*"not-an-email", "ctrl+s")
        error = dialog.query_one("#email-error")
        await wait_for(pilot, lambda: error.has_class("-shown"), what="error")
        assert "not a valid email" in str(error.render())
        assert app.screen is dialog
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    assert await rows(sqlite_db, LicenseManager) == []


async def test_standard_plan_locks_distribution_checkboxes_with_the_reason(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(
        sqlite_db,
        open_store_id="ORD-1",
        plan="standard",
        default_manager_permissions=["reset_device", "issue_license"],
    )
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot)
        for code in DISTRIBUTION_CODES:
            assert box(dialog, code).disabled and not box(dialog, code).value
            assert str(box(dialog, code).label).endswith("(locked)")
        assert "enterprise plan" in str(dialog.query_one("#plan-note").render())
        # Every permission's whole label is on screen at 80 columns (nothing cut with "…").
        await pilot.pause()
        shown = screen_text(app)
        assert "…" not in shown
        assert "Issue license — issue new licenses on an existing order (locked)" in shown
        assert "Create bundle order — create new product bundle orders (locked)" in shown
        # Tabbing never lands on a locked box.
        await pilot.press(*"s@example.com", *["tab"] * 12)
        assert not (isinstance(app.focused, Checkbox) and app.focused.disabled)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    [assignment] = await rows(sqlite_db, OrderManager)
    assert assignment.permissions == ["reset_device"]


async def test_enterprise_plan_grants_distribution_permissions(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1", plan="enterprise")
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot)
        assert not dialog.query("#plan-note")
        assert not box(dialog, "issue_license").disabled
        await pilot.press(*"e@example.com", "tab", "tab", "tab")
        await pilot.press(*["tab"] * 9)  # from phone through to issue_license, the ninth box
        assert app.focused is box(dialog, "issue_license")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    [assignment] = await rows(sqlite_db, OrderManager)
    assert "issue_license" in assignment.permissions


async def test_existing_person_is_attached_by_email(sqlite_db):
    settings = Settings(db=str(sqlite_db.url))
    other = await f.add_order(sqlite_db, "ORD-0")
    await f.add_order(sqlite_db, "ORD-1")
    await managers.add_manager(
        sqlite_db, settings, other, {"email": "known@example.com", "first_name": "Kim"}, actor="x"
    )
    [before] = await rows(sqlite_db, LicenseManager)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await open_dialog(app, pilot)
        await pilot.press(*"KNOWN@example.com", "ctrl+s")
        await wait_for(pilot, lambda: pane.table.row_count == 1, what="row")
        assert pane.status.text.startswith("Attached existing manager KNOWN@example.com")
        assert invite_cell(pane).startswith("notice waits for mail")
    [after] = await rows(sqlite_db, LicenseManager)
    assert after.id == before.id and after.password_hash == before.password_hash
    assert len(await rows(sqlite_db, OrderManager)) == 2


async def seeded(db, **settings_values):
    settings = Settings(db=str(db.url), **settings_values)
    order_id = await f.add_order(db, "ORD-1")
    added = await managers.add_manager(
        db,
        settings,
        order_id,
        {"email": "m@example.com", "first_name": HOSTILE, "permissions": ["reset_device"]},
        actor="seed",
    )
    return order_id, added


async def test_edit_permissions_with_enter(sqlite_db):
    await seeded(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        assert "⏎ Permissions" in screen_text(app)  # the footer shows enter
        dialog = await open_dialog(app, pilot, "enter")
        assert not dialog.query("#email")
        assert dialog.permissions() == ["reset_device"]
        assert app.focused is box(dialog, "manage_license_users")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await wait_for(pilot, lambda: cell(pane, "perms") == "U··D·····")
    [assignment] = await rows(sqlite_db, OrderManager)
    assert assignment.permissions == ["manage_license_users", "reset_device"]
    assert assignment.version == 2
    assert [e.action for e in await rows(sqlite_db, AuditEvent)] == ["created", "updated"]


async def test_remove_asks_first_and_keeps_the_person(sqlite_db):
    await seeded(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "m@example.com" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: pane.status.text == "Nothing removed.")
        assert len(await rows(sqlite_db, OrderManager)) == 1
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.table.row_count == 0, what="row removed")
        assert pane.status.text == "Removed m@example.com from this order."
        await pilot.press("down")  # the next key: the message gives way to the tab's summary
        await wait_for(
            pilot,
            lambda: pane.status.text == "No license managers on this order. a adds one.",
            what="summary",
        )
    assert await rows(sqlite_db, OrderManager) == []
    assert len(await rows(sqlite_db, LicenseManager)) == 1
    assert (await rows(sqlite_db, AuditEvent))[-1].action == "removed"


async def test_resend_queues_a_new_invite(sqlite_db):
    await seeded(sqlite_db)
    [person] = await rows(sqlite_db, LicenseManager)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "New invite" in pane.status.text, what="resent")
        assert "waits for a mail server" in pane.status.text
    assert [m.status for m in await rows(sqlite_db, MailOutbox)] == ["superseded", "queued"]
    [after] = await rows(sqlite_db, LicenseManager)
    assert after.password_hash is None and after.version == person.version + 1


async def test_status_column_tells_the_truth(sqlite_db):
    _order_id, _added = await seeded(sqlite_db, smtp_host="127.0.0.1")
    async with sqlite_db.sessions.begin() as s:
        mail = (await s.scalars(select(MailOutbox))).one()
        mail.status, mail.attempts, mail.last_error = "failed", 2, "Connection refused"
        mail.next_attempt_at = outbox.now_utc() + timedelta(hours=1)  # not due: untouched
    app = make_app(sqlite_db, open_store_id="ORD-1", smtp_host="127.0.0.1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        assert invite_cell(pane) == "failed: Connection re…"  # cut visibly; in full below
        assert "failed: Connection refused (retry " in detail_text(pane)
        assert cell(pane, "login") == "no"
        # The name is hostile markup: shown literally, never interpreted (cut to its column).
        assert cell(pane, "name").rstrip("…") in HOSTILE
        detail = detail_text(pane)
        assert HOSTILE in detail
        assert "Reset device" in detail and "failed: Connection refused" in detail
    app = make_app(sqlite_db, open_store_id="ORD-1")  # no SMTP configured
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        assert "no mail server" in invite_cell(pane)
        assert "— no mail server configured" in detail_text(pane)
        assert "invites wait for a mail server" in pane.status.text


async def test_background_sender_delivers_to_a_real_smtp_server(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    server = SMTPServer()
    server.start()
    try:
        app = make_app(
            sqlite_db,
            open_store_id="ORD-1",
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_security="none",
            smtp_timeout=5,
        )
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_managers_tab(app, pilot)
            await open_dialog(app, pilot)
            await pilot.press(*"live@example.com", "ctrl+s")
            await wait_for(pilot, lambda: server.received, what="mail delivered")
            await wait_for(
                pilot, lambda: invite_cell(pane).startswith("sent "), what="tab shows sent"
            )
            # The whole send time fits its column (the title says UTC), nothing cut.
            assert re.fullmatch(r"sent \d{4}-\d\d-\d\d \d\d:\d\d", invite_cell(pane))
            assert " UTC" in detail_text(pane)
            assert "Initial password" not in screen_text(app)
    finally:
        server.stop()
    [mail] = server.received
    assert mail.envelope_to == ["live@example.com"]
    [person] = await rows(sqlite_db, LicenseManager)
    assert passwords.verify_password(person.password_hash, mail.password)
    [row] = await rows(sqlite_db, MailOutbox)
    assert row.status == "sent" and mail.password not in row.body


async def test_standard_plan_edit_keeps_distribution_permissions_as_they_are(sqlite_db):
    order_id = await f.add_order(sqlite_db, "ORD-1")
    await managers.add_manager(
        sqlite_db,
        Settings(db=str(sqlite_db.url), plan="enterprise"),
        order_id,
        {"email": "d@example.com", "permissions": ["issue_license"]},
        actor="seed",
    )
    app = make_app(sqlite_db, open_store_id="ORD-1", plan="standard")
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot, "enter")
        locked = box(dialog, "issue_license")
        assert locked.disabled and locked.value
        await pilot.press("space", "ctrl+s")  # grants "Manage license users"
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    [assignment] = await rows(sqlite_db, OrderManager)
    assert assignment.permissions == ["manage_license_users", "issue_license"]


async def test_edit_conflict_names_who_changed_it_and_keeps_the_dialog_open(sqlite_db):
    _order_id, added = await seeded(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot, "enter")
        await managers.update_permissions(
            sqlite_db,
            Settings(db=str(sqlite_db.url)),
            added.assignment_id,
            ["borrow_license"],
            version=1,
            actor="bob",
        )
        await pilot.press("space", "ctrl+s")
        status = dialog.query_one("#dialog-status")
        await wait_for(pilot, lambda: "bob" in status.text, what="conflict message")
        assert status.text.startswith("Not saved: This license manager assignment changed")
        assert app.screen is dialog
    [assignment] = await rows(sqlite_db, OrderManager)
    assert assignment.permissions == ["borrow_license"]


async def test_hostile_name_typed_in_the_dialog_is_stored_and_shown_literally(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    name = "[b]Ev[/b] [@click=app.quit]x"
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await open_dialog(app, pilot)
        await pilot.press(*"h@example.com", "tab", *name, "ctrl+s")
        await wait_for(pilot, lambda: pane.table.row_count == 1, what="row")
        assert name.startswith(cell(pane, "name").rstrip("…"))
        assert name in detail_text(pane)
        assert app.is_running  # the click markup did not quit the app
    [person] = await rows(sqlite_db, LicenseManager)
    assert person.first_name == name


async def test_every_column_and_each_managers_permissions_are_on_screen_at_80_columns(sqlite_db):
    """At 80x24 the table itself tells the truth: email, name, permission letters, invite and
    first login of every manager are on screen, the legend says what the letters mean, a cut
    value ends with "…" (never silently), and the lines under it spell out the selection."""
    order_id = await f.add_order(sqlite_db, "ORD-1")
    await f.add_manager(
        sqlite_db,
        order_id,
        "a.very.long.address@subsidiary.example.com",
        ["manage_license_users", "reset_license"],
    )
    await f.add_manager(
        sqlite_db, order_id, "b@example.com", ["manage_managers", "borrow_license", "issue_license"]
    )
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await wait_for(pilot, lambda: pane.table.row_count == 2, what="rows")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "Email" in line)
        for title in ("Email", "Name", "Perms", "Invite (UTC)", "Login"):
            assert title in header, title
        shown = "\n".join(lines)
        assert "a.very.long.address@s…" in shown  # cut visibly
        assert "U···L····" in shown and "··M··B··I" in shown
        assert "U users" in shown and "I issue license" in shown and "· not held" in shown
        assert "not invited" in shown
        assert "Permissions: Manage license users, Reset license" in shown
        assert all(len(line) <= SIZE[0] for line in lines)
        await pilot.press("down")
        await wait_for(
            pilot,
            lambda: (
                "Permissions: Manage managers, Borrow license, Issue license" in detail_text(pane)
            ),
            what="detail follows the cursor",
        )


async def test_ticked_and_unticked_permissions_differ_without_colour(sqlite_db):
    """The mark itself says ticked (X) or not (blank), not only its colour."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await open_managers_tab(app, pilot)
        dialog = await open_dialog(app, pilot)
        await pilot.pause()

        def line(label: str) -> str:
            return next(x for x in screen_text(app).splitlines() if f" {label} —" in x)

        assert "▐X▌ Manage license users" in line("Manage license users")  # a default
        assert "▐ ▌ Manage managers" in line("Manage managers")
        await pilot.press("tab", "tab", "tab", "tab", "tab", "tab", "space")
        assert box(dialog, "manage_managers").value
        await wait_for(
            pilot, lambda: "▐X▌ Manage managers" in line("Manage managers"), what="ticked mark"
        )


async def test_a_long_failure_reason_keeps_the_retry_time_and_first_login_on_screen(sqlite_db):
    await seeded(sqlite_db, smtp_host="127.0.0.1")
    reason = "Error connecting to smtp.internal on port 587: " + "very long reason " * 12
    async with sqlite_db.sessions.begin() as s:
        mail = (await s.scalars(select(MailOutbox))).one()
        mail.status, mail.attempts, mail.last_error = "failed", 2, reason
        mail.next_attempt_at = outbox.now_utc() + timedelta(hours=1)  # not due: untouched
    app = make_app(sqlite_db, open_store_id="ORD-1", smtp_host="127.0.0.1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await pilot.pause()
        shown = screen_text(app)
        assert "First login: not yet · Invite: failed: Error connecting" in shown
        assert re.search(r"… \(retry \d\d:\d\d UTC\)", shown)
        assert "m@example.com" in shown and "Permissions: Reset device" in shown
        assert all(len(line) <= SIZE[0] for line in shown.splitlines())
        assert pane.table.row_count == 1


async def test_an_expired_invite_says_so_and_r_resends_it(sqlite_db):
    _order_id, _added = await seeded(sqlite_db, smtp_host="127.0.0.1")
    server = SMTPServer()  # a port nobody listens on: the one attempt fails
    settings = server.settings(db=str(sqlite_db.url))
    later = outbox.now_utc() + timedelta(hours=25)
    [expired] = await delivery.deliver_due(sqlite_db, settings, now=later)
    assert expired.status == "expired"
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        assert invite_cell(pane) == "expired; r resends"
        assert "Invite: expired: not delivered within 24 h (r resends)" in detail_text(pane)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "New invite" in pane.status.text, what="resent")
        await wait_for(
            pilot, lambda: invite_cell(pane) == "waits for mail server", what="new invite shown"
        )
    assert [m.status for m in await rows(sqlite_db, MailOutbox)] == ["expired", "queued"]
    [person] = await rows(sqlite_db, LicenseManager)
    assert person.password_hash is None  # made when a mail server sends it
