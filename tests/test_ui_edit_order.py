"""Edit order by keys at 80x24: every field, validation per field, cancel, conflicts (both DBs)."""

from __future__ import annotations

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.widgets.form_field import FormField
from orderview.widgets.status_line import StatusLine
from textual.widgets import Checkbox

from orderview.services import audit, order_edit, orders
from tests import factories as f
from tests.ui_support import (
    SIZE,
    error_of,
    loaded_order,
    make_app,
    open_dialog,
    screen_text,
    see,
    wait_for,
)


async def open_edit(pilot, app) -> EditOrderScreen:
    return await open_dialog(pilot, app, "e", EditOrderScreen, "edit dialog")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def test_edit_every_field_by_keys(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1", reference="old-ref", language="en")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        dialog = await open_edit(pilot, app)
        assert app.focused is dialog.query_one("#reference")
        await type_text(pilot, "PO-2026/77")
        await pilot.press("tab")
        await type_text(pilot, "cpg=web,src=google.com")
        await pilot.press("tab")
        await type_text(pilot, "DL-9")
        await pilot.press("tab")
        await type_text(pilot, "pt-br")
        await pilot.press("tab", "space", "tab", "space")
        assert dialog.query_one("#is_test", Checkbox).value
        assert dialog.query_one("#is_trial", Checkbox).value
        await pilot.press("shift+tab")
        assert app.focused is dialog.query_one("#is_test")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.version == 2,
            what="saved and reloaded",
        )
        detail = await orders.get_order(sqlite_db, oid)
        assert (
            detail.reference,
            detail.campaign_params,
            detail.download_id,
            detail.language,
            detail.is_test,
            detail.is_trial,
        ) == ("PO-2026/77", "cpg=web,src=google.com", "DL-9", "pt-BR", True, True)
        await see(pilot, app, "PO-2026/77", "pt-BR")
        event = (await audit.order_history(sqlite_db, oid)).items[0]
        assert event.operator == "tester" and set(event.changes) == {
            "reference",
            "campaign_params",
            "download_id",
            "language",
            "is_test",
            "is_trial",
        }
        status = screen.query_one("#order-status", StatusLine)
        await wait_for(
            pilot,
            lambda: (
                status.text
                == (
                    "Saved order ORD-1 (Reference, Campaign params, Download ID, Language, Test order,"
                    " Trial order)."
                )
            ),
            what="the save says so",
        )
        await see(pilot, app, "Saved order ORD-1 (Reference")
        await pilot.press("2")  # the next action clears the message
        await wait_for(pilot, lambda: status.text == "", what="message cleared")
        await wait_for(pilot, lambda: "Saved order" not in screen_text(app), what="off screen")


async def test_a_message_stays_until_the_next_key(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1", reference="r")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await open_edit(pilot, app)
        await pilot.press("end", "2", "ctrl+s")
        status = screen.query_one("#order-status", StatusLine)
        await wait_for(pilot, lambda: status.text == "Saved order ORD-1 (Reference).")
        await pilot.pause(0.3)
        assert status.text == "Saved order ORD-1 (Reference)."  # no key yet: still there
        await pilot.press("e")  # the next action, whatever it is
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen))
        assert status.text == ""
        await pilot.press("ctrl+s")  # nothing changed: saying so is a save's answer too
        await wait_for(
            pilot,
            lambda: status.text == "Nothing to save: order ORD-1 is as it was.",
            what="said so",
        )


BAD_INPUT = [
    ("reference", "x" * 101, "at most 100 characters"),
    ("campaign_params", "c" * 501, "at most 500 characters"),
    ("download_id", "tab\there", "control characters"),
    ("language", "klingon", "language code"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
async def test_validation_error_next_to_field_and_nothing_saved(
    sqlite_db, field, value, message
) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1", reference="keep")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_edit(pilot, app)
        dialog.query_one(f"#{field}").focus()
        await pilot.pause()
        # long values are pasted (set) and finished by keys; short ones are typed
        # (and control characters can only arrive by paste: a typed tab moves focus)
        pasted = len(value) > 20 or "\t" in value
        head, tail = (value[:-3], value[-3:]) if pasted else ("", value)
        dialog.query_one(f"#field-{field}", FormField).value = head
        await pilot.press("end", *tail)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_of(dialog, field) != "", what="error shown")
        assert message in error_of(dialog, field)
        assert app.screen is dialog
        assert all(
            error_of(dialog, other) == ""
            for other in ("reference", "campaign_params", "download_id", "language")
            if other != field
        )
        assert app.focused is dialog.query_one(f"#{field}")
        await see(pilot, app, message)
    detail = await orders.get_order(sqlite_db, oid)
    assert detail.version == 1 and detail.reference == "keep"


async def test_escape_asks_before_discarding_changes(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1", reference="keep")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await open_edit(pilot, app)
        await pilot.press("escape")  # nothing changed: closes at once
        await wait_for(pilot, lambda: app.screen is screen, what="closed")
        dialog = await open_edit(pilot, app)
        await type_text(pilot, "changed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await see(pilot, app, "Discard your changes to order ORD-1?")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is dialog, what="back to editing")
        assert dialog.query_one("#field-reference", FormField).value == "changed"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen, what="discarded")
    assert (await orders.get_order(sqlite_db, oid)).reference == "keep"


async def _conflict_case(db) -> None:
    oid = await f.add_order(db, "ORD-1", reference="original")
    app = make_app(db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        dialog = await open_edit(pilot, app)
        await type_text(pilot, "mine")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "fr")
        # meanwhile another operator saves through the service
        await order_edit.update_order(
            db, "bob@10.0.0.9", oid, 1, {"reference": "theirs", "download_id": "D-1"}
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.conflict is not None, what="conflict")
        await see(pilot, app, "bob@10.0.0.9", "(Download ID, Reference)")
        assert app.screen is dialog
        current = await orders.get_order(db, oid)
        assert current.reference == "theirs" and current.language == ""
        # r reloads: untouched fields take the new values, the operator's edits stay
        await pilot.press("r")
        await wait_for(pilot, lambda: dialog.conflict is None, what="reloaded")
        assert dialog.query_one("#field-download_id", FormField).value == "D-1"
        assert dialog.query_one("#field-reference", FormField).value == "mine"
        assert dialog.query_one("#field-language", FormField).value == "fr"
        # both changed the reference: the stored value is shown before saving over it
        assert "now “theirs” in the database" in error_of(dialog, "reference")
        assert error_of(dialog, "language") == "" and error_of(dialog, "download_id") == ""
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.version == 3,
            what="saved after reload",
        )
    final = await orders.get_order(db, oid)
    assert (final.reference, final.download_id, final.language) == ("mine", "D-1", "fr")
    ops = [e.operator for e in (await audit.order_history(db, oid)).items]
    assert ops == ["tester", "bob@10.0.0.9"]


async def test_conflict_is_shown_and_nothing_overwritten_sqlite(sqlite_db) -> None:
    await _conflict_case(sqlite_db)


async def test_conflict_is_shown_and_nothing_overwritten_postgresql(pg_db) -> None:
    await _conflict_case(pg_db)


async def test_a_conflict_clears_field_messages_that_no_longer_apply(sqlite_db) -> None:
    """A refused language, corrected, then a conflict: the old message under Language goes."""
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_edit(pilot, app)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "not a language")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_of(dialog, "language") != "", what="refused")
        await pilot.press("ctrl+u")
        await type_text(pilot, "en")
        await order_edit.update_order(sqlite_db, "bob", oid, 1, {"reference": "theirs"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.conflict is not None, what="conflict")
        assert error_of(dialog, "language") == ""
