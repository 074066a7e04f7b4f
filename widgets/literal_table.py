"""A DataTable whose cells are always shown literally, truncated, one line high.

DataTable parses plain ``str`` cells as markup (a customer named ``[/b]`` crashes it), so every
cell goes through ``orderview.safetext.visible`` (controls made visible) into a Rich ``Text``,
which is never parsed. ``Text`` rather than ``widgets.literal.literal``'s ``Content``: DataTable 8.2.8
measures cells with Rich's measure protocol, which ``Content`` does not implement (columns
would collapse to one cell wide).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from orderview.safetext import visible

MAX_CELL = 60


def cell_text(value: object, max_length: int = MAX_CELL) -> str:
    """What a cell shows: controls made visible, at most ``max_length`` characters."""
    text = visible(value, max_length)
    if len(text) > max_length:  # stand-ins for control characters made it longer again
        text = text[: max_length - 1] + "…"
    return text


def cell(value: object, max_length: int = MAX_CELL, style: str = "") -> Text:
    """One literal table cell: ``None`` shows as empty, long text ends with an ellipsis."""
    return Text(cell_text(value, max_length), style=style, no_wrap=True, overflow="ellipsis")


class LiteralTable(DataTable[Text]):
    """Row cursor, no zebra stripes, literal cells only.

    ``home``/``end`` (and ``g``/``G``) go to the first/last row: with a row cursor, the stock
    "leftmost/rightmost column" meaning does nothing useful. ``j``/``k`` move like the arrows,
    as in less, vim, lazygit and k9s (every table of the app is one of these).
    """

    BINDINGS = [
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
        Binding("j", "cursor_down", "Cursor down", show=False),
        Binding("k", "cursor_up", "Cursor up", show=False),
    ]

    def __init__(self, *, max_cell: int = MAX_CELL, compact: bool = False, **kwargs: Any) -> None:
        """``compact`` separates columns by one space instead of two (fits more at 80 columns)."""
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        if compact:
            kwargs.setdefault("cell_padding", 0)
        super().__init__(**kwargs)
        self.max_cell = max_cell
        self.compact = compact
        # Per-column maximum lengths (None: max_cell); columns still shrink to fit their content.
        self.caps: list[int | None] = []
        self._after_paint: list[Callable[[], object]] = []

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the table has been painted with rows (e.g. to add rows that
        are off screen only after the ones on screen have been shown)."""
        self._after_paint.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._after_paint and self.row_count:
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                self.call_later(callback)  # after this frame has gone out
        return lines

    def literal_cell(self, value: object, column: int | None = None) -> Text:
        """A cell for this table (compact tables lead each cell with one space)."""
        cap = self.caps[column] if column is not None and column < len(self.caps) else None
        if self.compact:
            # What ``Text(" ") + cell(...)`` gives (the joined Text keeps the plain defaults of
            # the leading space), built in one step: cells are most of a big table's cost.
            return Text(" " + cell_text(value, cap or self.max_cell))
        return cell(value, cap or self.max_cell)

    def set_columns(self, labels: Sequence[str], widths: Sequence[int | None] | None = None) -> None:
        """Columns with literal labels; ``widths`` fixes widths (None = fit content)."""
        widths = widths or [None] * len(labels)
        for label, width in zip(labels, widths, strict=True):
            if self.compact and width is not None:
                width += 1
            self.add_column(self.literal_cell(label), width=width)

    def add_literal_row(self, values: Iterable[object], key: str | None = None) -> None:
        self.add_row(*(self.literal_cell(v, i) for i, v in enumerate(values)), key=key)

    def add_literal_rows(self, rows: Iterable[tuple[str | None, Iterable[object]]]) -> None:
        """Add many ``(key, values)`` rows in one go."""
        for key, values in rows:
            self.add_literal_row(values, key=key)

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
