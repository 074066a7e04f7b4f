"""Licenses tab: an order's licenses paged from the database through a sliding window.

An order can hold 100,000 licenses; a DataTable holding them all costs ~10 s and 130 MB. The
table only ever holds ``WINDOW`` rows: when the cursor nears either edge the next page is fetched
by keyset (license id) and the far end of the window is dropped.

A newer request (a reload, a jump) supersedes an older one: the older worker is cancelled, but
never a query in mid-flight (each is shielded: its connection goes back to the pool cleanly and
its stale result is dropped), and only the newest request's end clears the busy flag.

A filter answers with its first page and a count capped at ``lq.COUNT_CAP`` ("10,000+ of …");
only when the cap was reached does a background worker count exactly, and its number replaces
the capped one once (no spinner). A newer filter or reload supersedes a pending exact count: its
number is dropped, never shown against the newer filter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from functools import cached_property, partial
from typing import ClassVar, TypeVar

from orderview.screens.order_tabs.license_finder import LicenseFinding
from orderview.widgets.app_services import services_of
from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.status_line import StatusLine
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from orderview.services import license_query as lq
from orderview.services.views import LicenseRow, OrderDetail, Page

PAGE = 100
WINDOW = 3 * PAGE
NEAR = 10  # fetch the next page when the cursor is this close to the window's edge

COLUMNS = ("Key or user", "Prod.", "Type", "Status", "Act.", "Expiry", "Created")
# None: as wide as the content; the table fits all seven columns to its width, the widest
# giving way first (a cut key, user email or product code ends with "…" and is shown in full on
# the status line while the cursor is on it).
WIDTHS = (None, None, 9, 8, None, 10, 10)
KEY_LENGTH = 19  # XXXX-XXXX-XXXX-XXXX: a generated key is never cut
MINS = (KEY_LENGTH, 6, 0, 0, 0, 0, 0)
T = TypeVar("T")


class LicensesTable(LiteralTable):
    """``enter`` opens the license under the cursor; help says so instead of the stock
    table's "Select"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            show=False,
            tooltip="Open the license under the cursor (its devices and actions)",
        )
    ]


class LicensesPane(LicenseFinding, Vertical):
    class OpenLicense(Message):
        """enter on a row: the order screen opens that license's screen over itself."""

        def __init__(self, license_id: int) -> None:
            super().__init__()
            self.license_id = license_id

    DEFAULT_CSS = """
    LicensesPane { height: 1fr; }
    LicensesPane LiteralTable { height: 1fr; }
    LicensesPane #licenses-filter { display: none; }
    LicensesPane #licenses-filter.-shown { display: block; }
    """
    # The table's own home/end move within the loaded window; these jump in the whole order.
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer (the order's keys fill it at 80 columns): the status line says them.
        Binding(
            "f,less_than_sign",
            "first_license",
            "First",
            show=False,
            tooltip="First license of the order",
        ),
        Binding(
            "l,greater_than_sign",
            "last_license",
            "Last",
            show=False,
            tooltip="Last license of the order",
        ),
        *LicenseFinding.FINDING_BINDINGS,
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.rows: list[LicenseRow] = []
        self.cursors: list[lq.Cursor] = []  # one per row: where to page on from it
        self.start = 0  # position of rows[0] among the order's licenses
        self.has_after = False
        self.total = 0  # licenses that match the filter (all of the order's without one)
        self.total_exact = True  # false: ``total`` is lq.COUNT_CAP and more match ("10,000+")
        self._counting = 0  # bumped by each reload; an exact count of an older one is dropped
        self.order_total = 0
        self.order_id: int | None = None
        self._fetching = False
        self._request = 0  # bumped by each fetch; only the newest one may finish the load
        self._prefilled: OrderDetail | None = None  # shown on mount without a query

    def prefill(self, detail: OrderDetail, first: Page[LicenseRow]) -> None:
        """Before mounting: the first page read together with ``detail`` (the order screen
        reads both in one go), so the tab paints its rows on its first frame."""
        self._prefilled = detail
        self.order_id = detail.id
        self.total = self.order_total = detail.license_count
        self.rows = list(first.items)
        self.cursors = [(0, None, r.id) for r in first.items]
        self.has_after = first.has_more

    def _begin(self) -> int:
        self._request += 1
        self._fetching = True
        return self._request

    def _end(self, request: int) -> None:
        if request == self._request:
            self._fetching = False
            if self.is_attached:  # highlights that arrived while busy were ignored: look again
                self.call_later(self._near_edge, self.table.cursor_row)

    async def _query(self, request: int, call: Awaitable[T]) -> T:
        """Run one service call to completion even if this worker is cancelled meanwhile."""
        result = await asyncio.shield(call)
        if request != self._request:
            raise asyncio.CancelledError  # superseded: drop the stale result
        return result

    def compose(self) -> ComposeResult:
        yield from self.compose_finder()
        yield self.table
        yield StatusLine(id="licenses-status")

    def on_mount(self) -> None:
        self.table.set_columns(COLUMNS, WIDTHS, MINS)
        if self._prefilled is not None:
            self._rebuild(0, first_paint=True)

    @cached_property
    def table(self) -> LiteralTable:
        return LicensesTable(id="licenses-table", max_cell=40, compact=True)

    def selected_license(self) -> LicenseRow | None:
        row = self.table.cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def show(self, detail: OrderDetail) -> None:
        """(Re)load the window where it is, so a reload keeps the operator's place."""
        if detail is self._prefilled:
            return  # on screen since mount, read with this very detail
        self._prefilled = None
        first = self.order_id == detail.id and bool(self.rows)
        self.order_id = detail.id
        self.order_total = detail.license_count
        self._reload(
            self.cursors[0] if first else None,
            self.table.cursor_row if first else 0,
            inclusive=first,
        )

    def start_at(self, after_id: int | None) -> None:
        """Show the window starting just after license ``after_id`` (None: the first one),
        e.g. at the first license just issued (in issue order: a filter is cleared)."""
        self.clear_finding()
        self._reload(None if after_id is None else (0, None, after_id), 0)

    def action_first_license(self) -> None:
        if self.order_id is not None:
            self.start_at(None)

    def action_last_license(self) -> None:
        if self.order_id is not None:
            self._load_last(self._begin())

    @work(exclusive=True, group="licenses")
    async def _load_last(self, request: int) -> None:
        assert self.order_id is not None
        try:
            page = await self._query(
                request,
                lq.page_filtered(
                    services_of(self.app).db,
                    self.order_id,
                    self.finding,
                    before=lq.LAST,
                    limit=PAGE,
                ),
            )
            total = await self._query(
                request, lq.count_filtered(services_of(self.app).db, self.order_id, self.finding)
            )
            if not self.is_attached:
                return
            self._counting += 1  # exact already: a pending exact count is not needed
            self.rows = list(page.items)
            self.cursors = list(page.cursors)
            self.total, self.total_exact = total, True
            self.start = total - len(self.rows)
            self.has_after = False
            self._rebuild(len(self.rows) - 1)
            self.table.call_after_refresh(self.table.scroll_end, animate=False)
        finally:
            self._end(request)

    def _reload(self, after: lq.Cursor | None, cursor: int, inclusive: bool = False) -> None:
        self._counting += 1  # a pending exact count was for the old filter or data
        self._reload_window(self._begin(), after, cursor, inclusive)

    @work(exclusive=True, group="license-count")
    async def _count_exact(self, counting: int, order_id: int, flt: lq.LicenseFilter) -> None:
        """After a first page whose count reached the cap: the exact count, shown when it
        arrives unless a newer reload came meanwhile (the query itself runs to completion,
        shielded, so its connection goes back to the pool cleanly)."""
        total = await asyncio.shield(lq.count_filtered(services_of(self.app).db, order_id, flt))
        if counting != self._counting or flt != self.finding or not self.is_attached:
            return  # superseded: this number belongs to another filter
        self.total, self.total_exact = total, True
        self._show_status()

    @work(exclusive=True, group="licenses")
    async def _reload_window(
        self, request: int, after: lq.Cursor | None, cursor: int, inclusive: bool = False
    ) -> None:
        """The window from just after cursor ``after`` (``inclusive``: from its row on)."""
        assert self.order_id is not None
        try:
            db, flt = services_of(self.app).db, self.finding
            size = max(len(self.rows), PAGE) if after is not None else PAGE
            if after is not None and inclusive:  # page on from the row before it
                before = await self._query(
                    request, lq.page_filtered(db, self.order_id, flt, before=after, limit=1)
                )
                after = before.cursors[0] if before.cursors else None
            page = await self._query(
                request,
                lq.page_filtered(
                    db, self.order_id, flt, after=after, limit=size, count_up_to=lq.COUNT_CAP
                ),
            )
            # Where the window starts among the matches (rows may have been added or deleted
            # before it since it was loaded; an indexed count, cheap even at 100,000).
            start = (
                0
                if after is None
                else await self._query(
                    request, lq.count_filtered(db, self.order_id, flt, up_to=after)
                )
            )
            if not self.is_attached:
                return
            self.start, self.total, self.total_exact = start, page.total, page.total_is_exact
            if not page.total_is_exact:
                self._count_exact(self._counting, self.order_id, flt)
            self.rows = list(page.items)
            self.cursors = list(page.cursors)
            self.has_after = page.has_more
            self._rebuild(cursor)
        finally:
            self._end(request)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._near_edge(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """enter: the license screen (esc comes back to this row)."""
        event.stop()
        row = self.selected_license()
        if row is not None:  # the order screen opens it (this pane does not know that screen)
            self.post_message(self.OpenLicense(row.id))

    def _near_edge(self, row: int) -> None:
        """Fetch the next page when the cursor is near an edge of the window."""
        if self._fetching or not self.rows or row != self.table.cursor_row:
            return  # busy, empty, or a stale event (refilling the table resets the cursor)
        if row >= len(self.rows) - NEAR and self.has_after:
            self._page_after(self._begin())
        elif row < NEAR and self.start > 0:
            self._page_before(self._begin())

    @work(exclusive=True, group="licenses")
    async def _page_after(self, request: int) -> None:
        assert self.order_id is not None
        try:
            page = await self._query(
                request,
                lq.page_filtered(
                    services_of(self.app).db,
                    self.order_id,
                    self.finding,
                    after=self.cursors[-1],
                    limit=PAGE,
                ),
            )
            if not self.is_attached:
                return
            self.has_after = page.has_more
            cursor = self.table.cursor_row
            drop = max(len(self.rows) + len(page.items) - WINDOW, 0)
            if drop == 0:
                self.rows.extend(page.items)
                self.cursors.extend(page.cursors)
                self.table.add_literal_rows(self.cells(page.items))
                self._show_status()
            else:
                self.rows = self.rows[drop:] + list(page.items)
                self.cursors = self.cursors[drop:] + list(page.cursors)
                self.start += drop
                self._rebuild(cursor - drop, scroll_by=-drop)
        finally:
            self._end(request)

    @work(exclusive=True, group="licenses")
    async def _page_before(self, request: int) -> None:
        assert self.order_id is not None
        try:
            page = await self._query(
                request,
                lq.page_filtered(
                    services_of(self.app).db,
                    self.order_id,
                    self.finding,
                    before=self.cursors[0],
                    limit=PAGE,
                ),
            )
            if not self.is_attached:
                return
            added = len(page.items)
            cursor = self.table.cursor_row
            rows = list(page.items) + self.rows
            cursors = list(page.cursors) + self.cursors
            if len(rows) > WINDOW:
                rows, cursors = rows[:WINDOW], cursors[:WINDOW]
                self.has_after = True
            self.rows, self.cursors = rows, cursors
            self.start = max(self.start - added, 0)
            self._rebuild(cursor + added, scroll_by=added)
        finally:
            self._end(request)

    def _rebuild(self, cursor: int, scroll_by: int = 0, first_paint: bool = False) -> None:
        """Refill the table from ``self.rows`` keeping the cursor on the same license and the
        view where it was (DataTable cannot insert rows at the top, so we refill).

        ``first_paint``: only the rows a screen can show go in before the tab's first frame
        (a DataTable row costs its cells and their measuring); the rest of the window, already
        read, follows right after that frame."""
        table = self.table
        scroll_y = table.scroll_y + scroll_by
        table.clear()
        shown = self.rows[: self.app.size.height] if first_paint else self.rows
        table.add_literal_rows(self.cells(shown))
        if len(shown) < len(self.rows):
            table.after_paint(partial(self._add_rest, self.rows, len(shown)))
        if self.rows:
            table.move_cursor(row=max(0, min(cursor, len(self.rows) - 1)), scroll=False)
            table.call_after_refresh(table.scroll_to, y=max(scroll_y, 0), animate=False)
        self._show_status()

    def _add_rest(self, rows: list[LicenseRow], start: int) -> None:
        """After the first frame: the rest of the window read with the first page."""
        if rows is self.rows and self.table.row_count == start:  # not refilled meanwhile
            self.table.add_literal_rows(self.cells(rows[start:]))

    def _show_status(self) -> None:
        self.query_one(StatusLine).set_status(self.status_text())
