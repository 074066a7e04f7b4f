"""App-wide keys reach every screen, modal dialogs included: ``ctrl+l`` repaints and ``?``/F1
shows the keys of whatever is on top. A modal cuts the app's ordinary bindings off, so these
tests fail if the bindings lose their priority."""

from __future__ import annotations

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.help import HelpScreen, help_title
from orderview.screens.order import OrderScreen
from orderview.widgets import shadow_driver as app_driver

from orderview.db.engine import Database
from tests import factories as f
from tests.ui_support import SIZE, make_app, wait_for


def help_rows(app) -> list[tuple[str, str, str]]:
    assert isinstance(app.screen, HelpScreen)
    return [(k.key, k.description, k.where) for k in app.screen.keys]


async def open_edit_dialog(pilot, app) -> EditOrderScreen:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
        what="order screen",
    )
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="edit dialog")
    return app.screen


async def test_ctrl_l_repaints_inside_a_dialog(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(app_driver, "redraw", calls.append)
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_edit_dialog(pilot, app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert calls == [app]
        assert app.screen is dialog  # the dialog stays, its field keeps focus
        assert app.focused is dialog.query_one("#reference")
        app.push_screen(ConfirmScreen("Sure?"))
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert calls == [app, app]


async def test_help_in_a_dialog_lists_the_dialogs_keys(sqlite_db: Database) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_edit_dialog(pilot, app)
        # In a text box ? is a character ...
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.query_one("#reference").value.endswith("?")
        # ... F1 works anywhere, and shows the dialog's own keys.
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        rows = help_rows(app)
        assert ("^s", "Save", "this screen") in rows
        assert any(r[1] == "Cancel" for r in rows)
        assert app.screen.title_text == "Edit order"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog  # help closed, the dialog still open

        # A dialog without a text box: ? opens help, ? again closes it.
        confirm = ConfirmScreen("Sure?")
        app.push_screen(confirm)
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        keys = {d: k for k, d, _ in help_rows(app)}
        assert keys["Yes"] == "y" and keys["No"].startswith("n")
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is confirm


async def test_question_mark_still_types_in_the_search_box(sqlite_db: Database) -> None:
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: app.screen.query_one("#search").has_focus, what="orders screen"
        )
        await pilot.press("a", "question_mark")
        await pilot.pause()
        assert app.screen.query_one("#search").value == "a?"
        assert not isinstance(app.screen, HelpScreen)


def test_help_title_reads_as_words() -> None:
    class EditOrderScreen:  # a stand-in with a dialog's class name
        pass

    class IssueWizard:
        HELP_TITLE = "Issue licenses"

    assert help_title(EditOrderScreen()) == "Edit order"
    assert help_title(IssueWizard()) == "Issue licenses"
