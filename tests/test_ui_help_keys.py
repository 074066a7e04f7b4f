"""``?`` help: the screen's own keys first; a text box's generic editing and scrolling keys are
left out (they buried the screen's keys under thirty lines of cursor movement)."""

from __future__ import annotations

from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.help import HelpScreen

from orderview.app import OrderviewApp
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, wait_for

TEXT_BOX_KEYS = (
    "Scroll Up",
    "Scroll Down",
    "Page Up",
    "Move cursor left",
    "Go to start",
    "Delete character left",
    "Select all",
    "Paste text",
)


def help_rows(app: OrderviewApp) -> list[str]:
    """The help table's rows as the screen shows them (between its header and its last line)."""
    lines = screen_text(app).splitlines()
    start = next(i for i, line in enumerate(lines) if "Key" in line and "Where" in line)
    end = next(i for i, line in enumerate(lines) if "esc closes" in line)
    return [line.strip(" │") for line in lines[start + 1 : end] if line.strip(" │")]


async def open_help(pilot, app: OrderviewApp, key: str = "question_mark") -> list[str]:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
    await wait_for(pilot, lambda: "esc closes" in screen_text(app), what="help drawn")
    return help_rows(app)


async def test_help_lists_the_screens_own_keys_first_without_text_box_keys(sqlite_db) -> None:
    product, _ = await f.add_product(sqlite_db)
    order = await f.add_order(sqlite_db, "ORD-1001")
    await f.add_licenses(sqlite_db, order, product, 2)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 1)
        # The orders screen, its search box focused.
        rows = await open_help(pilot, app)
        assert rows[0].startswith("/, esc") and "Search" in rows[0], rows
        assert "New order" in rows[1] and "Quit" in rows[2], rows
        shown = "\n".join(rows)
        for generic in TEXT_BOX_KEYS:
            assert generic not in shown, generic
        assert "Help" in shown and "everywhere" in rows[-1]
        assert not any("in the text box" in row for row in rows)

        # The order screen's Licenses tab: the order's keys, then the tab's, then the table's.
        await pilot.press("escape", *"ORD-1001", "enter")
        await loaded_order(pilot, app)
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: (
                app.screen.pane("licenses") is not None
                and app.focused is app.screen.pane("licenses").table
            ),
        )
        await open_help(pilot, app)
        # the whole list (taller than 80x24 now the tab has its filter keys): the help's keys
        rows = [f"{k.key} {k.description} {k.where}" for k in app.screen.keys]
        assert "Edit the order" in rows[0], rows
        own = [
            i
            for i, row in enumerate(rows)
            if "this screen" in row and "Focus" not in row and "Copy selected text" not in row
        ]  # generic: after
        tab = next(i for i, row in enumerate(rows) if "First license of the order" in row)
        assert max(own) < tab, "\n".join(rows)
        cursor = next(i for i, row in enumerate(rows) if "Cursor up" in row)
        assert tab < cursor
        # enter on a license opens it: help says so, not the stock table's "Select"
        enter = [row for row in rows if row.startswith("⏎ ")]
        assert enter == [
            "⏎ Open the license under the cursor (its devices and actions) in the table"
        ]

        # A dialog with a text box focused: its keys, not the text box's.
        await pilot.press("escape", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen))
        rows = await open_help(pilot, app, "f1")
        assert "Save" in rows[0] and "Cancel" in rows[1], rows
        shown = "\n".join(rows)
        for generic in TEXT_BOX_KEYS:
            assert generic not in shown, generic
