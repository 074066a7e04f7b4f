"""The app reads right without colour (16 colours, monochrome, a colour-blind operator): a
checkbox's state is in its glyph, not only in its colour."""

from __future__ import annotations

from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.order import OrderScreen

from orderview.db.engine import Database
from tests import factories as f
from tests.ui_support import SIZE, make_app, screen_text, wait_for


def line_with(app, label: str) -> str:
    return next(line for line in screen_text(app).splitlines() if label in line)


async def test_edit_order_flags_show_their_state_without_colour(sqlite_db: Database) -> None:
    await f.add_order(sqlite_db, "ORD-1", is_test=True, is_trial=False)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order screen",
        )
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="dialog")
        await pilot.pause()
        assert "▐X▌" in line_with(app, "Test order")
        assert "▐ ▌" in line_with(app, "Trial order")  # the stock box drew X here too
        app.screen.query_one("#is_trial").focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: "▐X▌" in line_with(app, "Trial order"), what="ticked")


async def test_dialogs_do_not_dim_what_lies_behind(sqlite_db: Database) -> None:
    """A dialog with a see-through background neither dims nor repaints the screen behind it
    (Textual re-tints every cell behind a modal whose background is partly opaque)."""
    from orderview.screens.confirm import ConfirmScreen
    from orderview.screens.help import HelpScreen
    from orderview.screens.issue_wizard import IssueWizard

    await f.add_product(sqlite_db, "APP", "App Pro")
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order screen",
        )
        for key, kind in (
            ("e", EditOrderScreen),
            ("question_mark", HelpScreen),
            ("i", IssueWizard),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda kind=kind: isinstance(app.screen, kind), what=key)
            assert app.screen.styles.background.a == 0, kind.__name__
            app.screen.dismiss(None)
            await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back")
        app.push_screen(ConfirmScreen("Sure?"))
        await pilot.pause()
        assert app.screen.styles.background.a == 0
