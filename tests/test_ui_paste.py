"""Where a paste lands (the input thread delivers it as one ``Paste`` of text:
test_terminal_paste.py): a text box inserts it, controls drawn as stand-ins; a paste typed
ahead of a focus move goes to the box focus moved to; every other widget ignores it."""

from __future__ import annotations

from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from orderview.screens.wizard_steps.fields import StillTextArea
from orderview.widgets.still_input import StillInput
from textual import events
from textual.app import App, ComposeResult

from tests import factories as f
from tests.test_ui_key_burst import burst, settle
from tests.ui_support import SIZE, loaded_order, make_app, wait_for


def send_paste(app: App, text: str) -> None:
    paste = events.Paste(text)
    paste.set_sender(app)
    app._driver.send_message(paste)


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield StillTextArea(id="area")
        yield StillInput(id="line")


async def test_a_paste_typed_ahead_of_tab_leaves_the_text_area_for_the_next_box() -> None:
    """``<tab><paste>`` in one burst: the text area passed focus on, then took the paste (and
    focus back) before; now the paste goes where tab went, as typed keys do."""
    app = Boxes()
    async with app.run_test(size=SIZE) as pilot:
        area, line = app.query_one("#area", StillTextArea), app.query_one("#line", StillInput)
        area.focus()
        await pilot.pause()
        burst(app, ("tab", None))
        send_paste(app, "pasted\x1b[2J")
        await settle(pilot, lambda: line.value != "")
        assert line.value == "pasted\x1b[2J" and area.text == ""
        assert app.focused is line
        assert "pasted␛[2J" in str(line._value)  # drawn with a stand-in, not sent raw


async def test_a_paste_on_widgets_that_are_not_text_boxes_does_nothing(sqlite_db) -> None:
    """On the orders list and the order screen (tables and tabs focused) a paste of the keys
    that quit, open Delete or switch tabs is ignored."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrdersScreen) and app.screen.table.row_count == 1,
            what="orders list",
        )
        await pilot.press("down")  # the results table
        await wait_for(pilot, lambda: app.focused is app.screen.table, what="results")
        send_paste(app, "q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, OrdersScreen)
        await pilot.press("enter")
        order = await loaded_order(pilot, app)
        send_paste(app, "D4\r")
        await settle(pilot, lambda: app.screen is not order, timeout=1.0)
        assert app.screen is order and isinstance(order, OrderScreen)
        assert order.query_one("#order-tabs").active == "details"
