"""A DataTable whose cells are always shown literally, one line high, never cut silently.

DataTable parses plain ``str`` cells as markup (a customer named ``[/b]`` crashes it), so every
cell goes through ``orderview.safetext.visible`` (controls made visible) into a Rich ``Text``,
which is never parsed. ``Text`` rather than ``widgets.literal.literal``'s ``Content``: DataTable 8.2.8
measures cells with Rich's measure protocol, which ``Content`` does not implement (columns
would collapse to one cell wide).

Nothing is cut without a visible ``…``: the columns always fit the table's width (the widest
ones give way first, ``fit_widths``), a cell wider than its column ends with ``…``, and while
the table has focus the status line next to it shows the cursor row's cut cells in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from orderview.widgets.status_line import StatusLine
from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import Column, ColumnKey, RowKey

from orderview.safetext import visible

MAX_CELL = 60
MIN_FIT = 4  # a column gives way down to its label's width, or this many cells


def fit_widths(naturals: Sequence[int], floors: Sequence[int], room: int) -> list[int]:
    """Column widths that fit ``room``: every column its natural width if they all fit, else
    the widest ones cut down to one common level (never below their floor)."""
    if sum(naturals) <= room:
        return list(naturals)

    def total(level: int) -> int:
        return sum(max(min(n, level), f) for n, f in zip(naturals, floors, strict=True))

    low, high = 0, max(naturals)  # total(high) > room; find the highest level that fits
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if total(mid) <= room else (low, mid - 1)
    widths = [max(min(n, low), f) for n, f in zip(naturals, floors, strict=True)]
    spare = room - sum(widths)
    for i, n in enumerate(naturals):  # the rounding left over: one more cell, left to right
        if spare <= 0:
            break
        if widths[i] < n:
            widths[i] += 1
            spare -= 1
    return widths


@dataclass
class FitColumn(Column):
    """A column whose rendered width is the table's fitted width for it (``fit_widths``)."""

    floor: int = 0
    table: LiteralTable | None = field(default=None, repr=False, compare=False)

    @property
    def natural(self) -> int:
        return self.content_width if self.auto_width else self.width

    def get_render_width(self, data_table: DataTable[Any]) -> int:
        if self.table is None:
            return super().get_render_width(data_table)
        return 2 * data_table.cell_padding + self.table.fitted_width(self.key)


def cell_text(value: object, max_length: int = MAX_CELL) -> str:
    """What a cell shows: controls made visible, at most ``max_length`` characters."""
    text = visible(value, max_length)
    if len(text) > max_length:  # stand-ins for control characters made it longer again
        text = text[: max_length - 1] + "…"
    return text


def cell(value: object, max_length: int = MAX_CELL, style: str = "") -> Text:
    """One literal table cell: ``None`` shows as empty, long text ends with an ellipsis."""
    return Text(cell_text(value, max_length), style=style, no_wrap=True, overflow="ellipsis")


def label_text(label: object) -> str:
    """A column's title as the status line names it."""
    return label.plain.strip() if isinstance(label, Text) else str(label).strip()


class LiteralTable(DataTable[Text]):
    """Row cursor, no zebra stripes, literal cells only.

    ``home``/``end`` (and ``g``/``G``) go to the first/last row: with a row cursor, the stock
    "leftmost/rightmost column" meaning does nothing useful. ``j``/``k`` move like the arrows,
    as in less, vim, lazygit and k9s (every table of the app is one of these).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
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
        self._values: dict[RowKey, tuple[object, ...]] = {}  # each row's values, whole
        self._fit_key: tuple[object, ...] = ()
        self._cut_for: tuple[object, ...] = ()  # the fitting the status line's detail is for
        self._fitted: dict[ColumnKey, int] = {}

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the table has been painted with rows (e.g. to add rows that
        are off screen only after the ones on screen have been shown)."""
        self._after_paint.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._cut_for != self._fit_key:  # the columns were fitted anew: look again
            self._cut_for = self._fit_key
            self.call_later(self.show_cut_cells)
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
            return Text(
                " " + cell_text(value, cap or self.max_cell), no_wrap=True, overflow="ellipsis"
            )
        return cell(value, cap or self.max_cell)

    def set_columns(
        self,
        labels: Sequence[str],
        widths: Sequence[int | None] | None = None,
        mins: Sequence[int] | None = None,
    ) -> None:
        """Columns with literal labels; ``widths`` are the widths wanted (None = fit content).
        Either way a column gives way when the table is narrower than its columns, down to its
        label's width or ``mins`` (e.g. a license key's length, so keys are never cut)."""
        widths = widths or [None] * len(labels)
        mins = mins or [0] * len(labels)
        lead = 1 if self.compact else 0
        for label, width, least in zip(labels, widths, mins, strict=True):
            if width is not None:
                width += lead
            title = self.literal_cell(label)
            key = self.add_column(title, width=width)
            plain = self.columns[key]
            floor = max(cell_len(title.plain), MIN_FIT + lead, least + lead)
            self.columns[key] = FitColumn(
                plain.key,
                plain.label,
                plain.width,
                plain.content_width,
                plain.auto_width,
                floor=min(floor, width or floor),
                table=self,
            )

    # -- fitting the columns to the width -------------------------------------------------

    def fitted_width(self, key: ColumnKey) -> int:
        """The width column ``key`` is drawn with (without cell padding)."""
        columns = [c for c in self.columns.values() if isinstance(c, FitColumn)]
        # Room for a vertical scrollbar is always kept: one showing up must not make the
        # columns too wide for what is left (a sideways scrollbar would cut them silently).
        width = self.size.width
        room = width - self.styles.scrollbar_size_vertical - 2 * self.cell_padding * len(columns)
        fit_key = (room if width else None, tuple((c.natural, c.floor) for c in columns))
        if fit_key != self._fit_key:
            naturals = [c.natural for c in columns]
            widths = fit_widths(naturals, [c.floor for c in columns], room) if width else naturals
            self._fit_key = fit_key
            self._fitted = {c.key: w for c, w in zip(columns, widths, strict=True)}
        return self._fitted.get(key, 0)

    def on_resize(self, event: events.Resize) -> None:
        """The stock table sizes its scrollable area only when rows change: a new width
        changes the fitted columns, so the area follows (no sideways scrolling)."""
        width = sum(c.get_render_width(self) for c in self.columns.values())
        if width != self.virtual_size.width:
            self.virtual_size = Size(width, self.virtual_size.height)
        self.show_cut_cells()

    # -- the cut cells in full, on the status line ----------------------------------------

    def cut_cells(self, row_index: int) -> list[tuple[str, str]]:
        """``(column title, full text)`` of each cell of the row that is shown cut."""
        if not 0 <= row_index < self.row_count:
            return []
        row_key, _ = self.coordinate_to_cell_key(Coordinate(row_index, 0))
        values = self._values.get(row_key, ())
        lead = 1 if self.compact else 0
        cut = []
        for column, value in zip(self.ordered_columns, values, strict=False):
            full = visible(value)
            if cell_len(full) + lead > self.fitted_width(column.key):
                cut.append((label_text(column.label), full))
        return cut

    def status_line(self) -> StatusLine | None:
        """The status line next to this table: the nearest one among its ancestors' children."""
        for node in self.ancestors:
            found = node.query_children(StatusLine)
            if found:
                return found.first()
            if isinstance(node, Screen):
                break
        return None

    def show_cut_cells(self) -> None:
        """While the table has focus, its status line shows the cursor row's cut cells in full
        (and what it said before once no cell is cut)."""
        status = self.status_line() if self.is_attached else None
        if status is None:
            return
        cut = self.cut_cells(self.cursor_row) if self.has_focus and self.show_cursor else []
        status.show_detail(" · ".join(f"{label}: {full}" for label, full in cut) or None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self:
            self.show_cut_cells()

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        self.show_cut_cells()

    # -- rows -------------------------------------------------------------------------------

    def add_literal_row(self, values: Iterable[object], key: str | None = None) -> None:
        values = tuple(values)
        row_key = self.add_row(*(self.literal_cell(v, i) for i, v in enumerate(values)), key=key)
        self._values[row_key] = values

    def remove_row(self, row_key: RowKey | str) -> None:
        super().remove_row(row_key)
        self._values.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)

    def clear(self, columns: bool = False) -> LiteralTable:
        self._values.clear()
        return super().clear(columns)

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
