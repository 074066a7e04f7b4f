"""The policy widgets: literal table cells, a still input, a cheap throttled status line."""

from __future__ import annotations

from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.status_line import MIN_INTERVAL, StatusLine
from orderview.widgets.still_input import StillInput
from textual.app import App, ComposeResult


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield StillInput(id="field")
        yield LiteralTable(id="table", max_cell=12)
        yield LiteralTable(id="compact", compact=True)
        yield StatusLine("ready", id="status")


async def test_literal_table_cells_are_text_never_markup() -> None:
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#table", LiteralTable)
        table.set_columns(["[b]Name[/b]", "Other"])
        table.add_literal_row(["[/b] ACME [Ltd]", "EVIL\x1b[2J" + "x" * 50], key="7")
        table.add_literal_row([None, 42], key="8")
        await pilot.pause()
        row = [c.plain for c in table.get_row_at(0)]
        assert row == ["[/b] ACME […", "EVIL␛[2Jxxx…"]
        assert [c.plain for c in table.get_row_at(1)] == ["", "42"]
        assert str(table.columns[next(iter(table.columns))].label) == "[b]Name[/b]"
        assert table.cursor_type == "row" and table.zebra_stripes is False
        assert table.cursor_key() == "7"

        compact = app.query_one("#compact", LiteralTable)
        compact.set_columns(["A", "B"], [3, None])
        compact.add_literal_row(["abcdef", "b"])
        assert compact.cell_padding == 0
        assert [c.plain for c in compact.get_row_at(0)] == [" abcdef", " b"]
        assert next(c.width for c in compact.columns.values()) == 4  # fixed 3 + the lead space


async def test_still_input_never_blinks() -> None:
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(StillInput)
        field.focus()
        await pilot.pause()
        assert field.cursor_blink is False
        assert field._blink_timer is None or not field._blink_timer._active.is_set()


async def test_status_line_coalesces_bursts_and_never_relayouts(monkeypatch) -> None:
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.query_one(StatusLine)
        layouts: list[bool] = []
        original = status.update

        def spy(content="", *, layout=True):
            layouts.append(layout)
            original(content, layout=layout)

        monkeypatch.setattr(status, "update", spy)
        await pilot.pause(MIN_INTERVAL)
        for i in range(50):
            status.set_status(f"row {i} [b]x[/b]")
        assert status.text == "row 49 [b]x[/b]"
        await pilot.pause(MIN_INTERVAL * 2)
        assert len(layouts) <= 2  # the first update at once, the last after the interval
        assert layouts and not any(layouts)
        assert str(status.render()) == "row 49 [b]x[/b]"
