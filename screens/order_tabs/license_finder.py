"""Finding and choosing licenses on the Licenses tab: the filter box, status / product / sort
keys, the selection, and the bulk dialog (``LicenseFinding``, mixed into ``LicensesPane``).

The filter and sort are the database's (``services/license_query.py``): the pane keeps paging
a window of rows by keyset whatever is chosen, and the status line says how many match
("12 of 1,000 licenses"). The selection is either chosen rows (``space``) or "all that match the
filter" (``a``); ``b`` opens the bulk dialog on it (``screens/license_bulk.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from orderview.widgets.fmt import EMPTY, day, plural
from orderview.widgets.read_only import refuse_write
from orderview.widgets.role_gate import RoleGated, say
from orderview.widgets.still_input import StillInput
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import Input

from orderview.services import license_query as lq
from orderview.services.views import LicenseRow

if TYPE_CHECKING:
    from orderview.widgets.literal_table import LiteralTable

    from orderview.services.license_bulk import Selection

# The Licenses table's row cells: here, beside the choosing that marks a row with ``✓``.
TYPE_LABELS = {"time-limited": "timed", "subscription": "subscr.", "consumption": "consum."}


def expiry(row: LicenseRow) -> str:
    if row.validity_period is not None:
        return day(row.validity_period)
    if row.valid_duration:
        return f"+{row.valid_duration}"
    return EMPTY


def license_cells(row: LicenseRow, chosen: bool = False) -> tuple[object, ...]:
    return (
        f"✓{row.identity}" if chosen else row.identity,
        row.product_code,
        TYPE_LABELS.get(row.license_type, row.license_type),
        row.status,
        row.activations,
        expiry(row),
        row.created_at.strftime("%Y-%m-%d"),
    )


class FilterBox(StillInput):
    """The filter box: enter or esc goes back to the table (the filter stays)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to the table", show=False)
    ]

    def action_leave(self) -> None:
        pane = self.parent
        assert isinstance(pane, LicenseFinding)  # the pane composes this box
        pane.table.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_leave()


class LicenseFinding(RoleGated):
    """Filter, sort and selection state of the Licenses tab (see the module)."""

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {"bulk": "change_license"}
    # One Binding per key, alike in shape: declarations, nothing to share.
    FINDING_BINDINGS: ClassVar[list[Binding]] = [
        # Not in the footer (the order's keys fill it at 80 columns): help lists them.
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            show=False,
            tooltip="Filter by license key or user email (starts with, any case)",
        ),
        Binding(
            "s",
            "cycle_status",
            "Status",
            show=False,
            tooltip="Filter by status: active, inactive, disabled, expired, all",
        ),
        Binding(
            "p",
            "cycle_product",
            "Product",
            show=False,
            tooltip="Filter by product (each of the order's, then all)",
        ),
        Binding(
            "o",
            "cycle_sort",
            "Sort",
            show=False,
            tooltip="Sort by issue order, key, created, expiry, last activity",
        ),
        Binding(
            "space", "toggle_row", "Select", show=False, tooltip="Select or unselect this license"
        ),
        Binding(
            "a",
            "choose_all",
            "Select all",
            show=False,
            tooltip="Select all licenses that match the filter (again: none)",
        ),
        Binding(
            "b",
            "bulk",
            "Bulk",
            show=False,
            tooltip="Disable, enable or extend the selected licenses (dry run first)",
        ),
    ]

    finding: lq.LicenseFilter = lq.LicenseFilter()

    if TYPE_CHECKING:  # what the pane this is mixed into (``LicensesPane``) provides

        @property
        def table(self) -> LiteralTable: ...

        total: int  # licenses that match the filter

        def _reload(self, after: lq.Cursor | None, cursor: int, inclusive: bool = False) -> None:
            """Read the window of rows anew from ``after`` (the pane's keyset paging)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chosen: set[int] = set()
        self.all_matching = False
        self.products: list[lq.OrderProduct] | None = None
        self.note = ""  # said once in the status line (what a bulk action did)

    # -- widgets ------------------------------------------------------------------------------

    def compose_finder(self) -> Iterator[FilterBox]:
        yield FilterBox(
            placeholder="key or user email starts with…", id="licenses-filter", compact=True
        )

    @property
    def filter_box(self) -> FilterBox:
        return self.query_one("#licenses-filter", FilterBox)

    def cells(self, rows: Iterable[LicenseRow]) -> Iterator[tuple[str, tuple[object, ...]]]:
        chosen = self.chosen
        return ((str(r.id), license_cells(r, self.all_matching or r.id in chosen)) for r in rows)

    def status_text(self) -> str:
        me: Any = self
        flt = self.finding
        parts = []
        if self.note:
            parts.append(self.note)
            self.note = ""
        if flt.narrows:
            parts.append(f"{self.total_text()} of {plural(me.order_total, 'license')}")
            if me.rows:
                parts.append(f"{me.start + 1:,}–{me.start + len(me.rows):,}")
        elif not me.rows:
            parts.append("No licenses in this order.")
        else:
            last = me.start + len(me.rows)
            total = (
                plural(max(me.total, last), "license")
                if me.total_exact
                else f"{self.total_text()} licenses"
            )
            parts.append(f"showing {me.start + 1:,}–{last:,} of {total} · dates UTC")
        parts += self._finding_words()
        if (
            not flt.narrows
            and not self.selected_count
            and flt.sort == "issued"
            and (me.start > 0 or me.has_after)
        ):
            parts.append("f/l first/last")
        return " · ".join(parts)

    def _finding_words(self) -> list[str]:
        flt, words = self.finding, []
        if flt.status:
            words.append(flt.status)
        if flt.product_id is not None:
            words += [p.code for p in self.products or [] if p.id == flt.product_id]
        if flt.sort != "issued":
            words.append(f"by {lq.SORT_LABELS[flt.sort]}")
        if self.selected_count:
            count = self.total_text() if self.all_matching else f"{self.selected_count:,}"
            words.append(f"{count} selected")
        return words

    def total_text(self) -> str:
        """How many match: "1,234", or "10,000+" while only the capped count is known (or
        more, once the window has paged past the cap)."""
        me: Any = self
        if me.total_exact:
            return f"{me.total:,}"
        return f"{max(me.total, me.start + len(me.rows)):,}+"

    @property
    def selected_count(self) -> int:
        return self.total if self.all_matching else len(self.chosen)

    # -- changing the filter ------------------------------------------------------------------

    def clear_finding(self) -> None:
        self.finding = lq.LicenseFilter()
        self.all_matching = False
        self.chosen.clear()
        if self.is_mounted:
            self.filter_box.value = ""
            self.filter_box.remove_class("-shown")

    def _refilter(self, **changes: Any) -> None:
        self.finding = replace(self.finding, **changes)
        self.all_matching = False  # "all that match" meant the old filter
        if getattr(self, "order_id", None) is not None:
            self._reload(None, 0)

    def action_focus_filter(self) -> None:
        self.filter_box.add_class("-shown")
        self.filter_box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing in the filter box filters as you type (a newer keystroke's query wins)."""
        if event.input.id != "licenses-filter":
            return
        event.stop()
        if event.value != self.finding.text:
            self._refilter(text=event.value)

    def action_cycle_status(self) -> None:
        order = (None, *lq.STATUSES)
        self._refilter(status=order[(order.index(self.finding.status) + 1) % len(order)])

    def action_cycle_sort(self) -> None:
        self._refilter(sort=lq.SORTS[(lq.SORTS.index(self.finding.sort) + 1) % len(lq.SORTS)])

    def action_cycle_product(self) -> None:
        if self.products is None:
            self._load_products()
            return
        ids = [None, *(p.id for p in self.products)]
        current = self.finding.product_id
        following = ids[(ids.index(current) + 1) % len(ids)] if current in ids else None
        self._refilter(product_id=following)

    @work(exclusive=True, group="license-products")
    async def _load_products(self) -> None:
        me: Any = self
        self.products = await lq.order_products(me.app.db, me.order_id)
        self.action_cycle_product()

    # -- choosing -----------------------------------------------------------------------------

    def action_toggle_row(self) -> None:
        me: Any = self
        row = me.selected_license()
        if row is None:
            return
        if self.all_matching:  # from "all that match" to every shown row but this one
            self.all_matching = False
            self.chosen = {r.id for r in me.rows}
        self.chosen.symmetric_difference_update({row.id})
        self._redraw_marks()
        me.table.action_cursor_down()

    def action_choose_all(self) -> None:
        self.all_matching = not self.all_matching
        if not self.all_matching:
            self.chosen.clear()
        self._redraw_marks()

    def _redraw_marks(self) -> None:
        me: Any = self
        table = me.table
        for (key, cells), _row in zip(self.cells(me.rows), me.rows, strict=True):
            table.update_cell(key, table.ordered_columns[0].key, table.literal_cell(cells[0], 0))
        me._show_status()

    def selection(self) -> Selection | None:
        # Here, not at the top: the bulk service and its schemas are not needed to open an
        # order (start-up: time to interactive).
        from orderview.services.license_bulk import Selection

        me: Any = self
        if self.all_matching:
            return Selection(me.order_id, match=self.finding)
        if self.chosen:
            return Selection(me.order_id, ids=frozenset(self.chosen))
        return None

    @work(exclusive=True, group="license-bulk")
    async def action_bulk(self) -> None:
        me: Any = self
        if refuse_write(me):
            return
        selection = self.selection()
        if selection is None:
            say(me.app, "Select licenses first: space (this row) or a (all that match).")
            return
        from orderview.screens.license_bulk import BulkScreen

        exact = me.total_exact or not self.all_matching  # the dry run counts exactly anyway
        result = await me.app.push_screen_wait(
            BulkScreen(selection, self.selected_count, exact=exact)
        )
        if result is not None:
            self.all_matching = False
            self.chosen.clear()
            self.note = result
            me.show(me.screen.detail)
