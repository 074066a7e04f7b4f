"""The home screen: search orders as you type, open one.

Each keystroke restarts one exclusive worker that waits out a short debounce and then runs one
indexed search, so typing fast costs one query. With an empty query the newest orders are shown,
keyset-paged as the cursor nears the end; a search loads its next matches the same way (both
bounded by ``MAX_ROWS``).

The services and the other screens are imported on first use, not with this module.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.role_gate import RoleGated
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import StillFooter
from orderview.widgets.still_input import StillInput, pass_on
from orderview.widgets.textual_internals import ForwardHook
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input

from orderview.safetext import visible

if TYPE_CHECKING:
    from orderview.services.views import OrderSummary, Page

    Row = OrderSummary

DEBOUNCE = 0.15
PAGE = 50
MAX_ROWS = 1000
NEAR = 5

# The table fits its columns to the width (long ones end with "…"; the status line shows the
# cursor row's cut cells in full while the list has focus).
COLUMNS = ("Order ID", "Reference", "Customer", "Lic.", "Flags", "Created UTC")


def flags(s: Row) -> str:
    return "/".join(name for name, on_ in (("test", s.is_test), ("trial", s.is_trial)) if on_)


def summary_cells(s: Row) -> tuple[object, ...]:
    return (
        s.store_id,
        s.reference,
        s.customer,
        f"{s.license_count:,}",
        flags(s),
        s.created_at.strftime("%Y-%m-%d"),
    )


class SearchBox(ForwardHook, StillInput):
    """The search box: while it is empty, ``?`` opens help and ``/`` stays a key (no Order ID,
    reference, name or key starts with either), so the operator's reflexes work from the moment
    the app opens; once something is typed they are ordinary characters."""

    KEYS_WHEN_EMPTY = frozenset({"?", "/"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keys (and pastes) handed to this box but not handled yet. The app asks whether the
        # box takes ``?`` when the key arrives: in a burst typed ahead over a slow link
        # (``=HYPERLINK("…?…``) the keys before it are still queued and the box still looks
        # empty, so ``?`` opened help and the rest of the burst went there.
        self._typed_ahead = 0

    def forwarded(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste):
            self._typed_ahead += 1

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if not self.value and not self._typed_ahead and character in self.KEYS_WHEN_EMPTY:
            return False
        return super().check_consume_key(key, character)

    # -- enter opens the top match: the keys typed after it are for the order screen --

    _opening = False  # enter was pressed; the screen has not yet opened an order (or failed)

    def _capturing(self) -> bool:
        """Keys typed after enter (``H-01⏎2``: the order, then its Customer tab) reach this box
        before the order screen exists; they go to the app's type-ahead router, paused until
        the screen has opened the order (or rung the bell), never to the search text."""
        if self._opening and services_of(self.app).type_ahead.paused:
            return True
        self._opening = False  # the router gave up waiting (``MAX_HOLD``)
        return False

    def begin_open(self) -> None:
        if not self._opening:
            self._opening = True
            services_of(self.app).type_ahead.pause()

    def end_open(self) -> None:
        """The screen opened the order, or found nothing to open: the held keys go on."""
        if self._opening:
            self._opening = False
            services_of(self.app).type_ahead.resume()

    def _on_blur(self, event: events.Blur) -> None:
        """The focus left the box before its enter was submitted (``down`` typed just before
        it moves the focus a moment after the key): the box opens nothing, so the keys held
        behind its enter go on, to the widget focused now (enter on the results opens the
        order there). Otherwise they waited ``MAX_HOLD``."""
        if self._opening and not getattr(self.screen, "_open_when_ready", False):
            self.end_open()

    def _on_paste(self, event: events.Paste) -> None:
        self._typed_ahead = max(self._typed_ahead - 1, 0)
        if self._capturing():
            event.stop()
            event.prevent_default()
            pass_on(self, event)

    async def _on_key(self, event: events.Key) -> None:  # called along the MRO
        # Textual calls every class's ``_on_key`` along the MRO; prevent_default skips Input's
        # (which would insert the character) and the event bubbles on to the bindings.
        self._typed_ahead = max(self._typed_ahead - 1, 0)
        if self._capturing():
            event.stop()
            event.prevent_default()
            pass_on(self, event)
            return
        if event.key == "enter" and self.app.focused is self:
            self.begin_open()  # Input's own binding submits next (StillInput._on_key)
            return
        if not self.value and event.character in self.KEYS_WHEN_EMPTY:
            event.prevent_default()


class OrdersScreen(RoleGated, Screen[None]):
    AUTO_FOCUS = "#search"
    HELP_TITLE = "Orders"
    ROLE_ACTIONS: ClassVar[dict[str, str]] = {"new_order": "create_order"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("escape", "focus_search", "Back to search", show=False),
        Binding("down", "focus_results", "Results", show=False),
        # ctrl+n works while the search box has focus (where n is typed); n from the results.
        Binding("ctrl+n", "new_order", "New order"),
        Binding("n", "new_order", "New order", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Row] = []
        self.query_text = ""
        self.has_more = False
        self._searching = False
        self._open_when_ready = False
        self._paging = False
        self._keep_cursor: int | None = None
        # Set by enter on the search box: the text is complete, so its search need not wait
        # out the debounce (an Order ID and enter typed at once: time to interactive).
        self._entered = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield SearchBox(
            placeholder="Search: Order ID, reference, customer email/name/company, license key",
            id="search",
        )
        yield LiteralTable(id="results", compact=True)
        yield StatusLine(id="orders-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one(LiteralTable).set_columns(COLUMNS)
        self._search("")

    @property
    def table(self) -> LiteralTable:
        return self.query_one("#results", LiteralTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#orders-status", StatusLine)

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._open_when_ready = False
        self._entered.clear()
        self._searching = True  # now, not when the worker starts: enter may come next
        self._search(event.value)

    @work(exclusive=True, group="search")
    async def _search(self, text: str) -> None:
        from orderview.services import orders

        self._searching = True
        if text:  # superseded by the next keystroke's worker; enter ends the wait
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._entered.wait(), DEBOUNCE)
        # Shielded: a newer keystroke cancels this worker, but never a query in mid-flight
        # (its connection goes back to the pool cleanly; the stale result is dropped).
        if text.strip():
            page = await asyncio.shield(
                orders.search_orders(services_of(self.app).db, text, limit=PAGE)
            )
        else:
            page = await asyncio.shield(orders.recent_orders(services_of(self.app).db, limit=PAGE))
        if self.is_attached:
            self._show_page(text, page)

    def _show_page(self, text: str, page: Page[OrderSummary]) -> None:
        """Fill the table with a search's (or the newest orders') first page."""
        self.query_text = text
        self.results = list(page.items)
        self.has_more = page.has_more
        table = self.table
        table.clear()
        table.add_literal_rows((str(s.id), summary_cells(s)) for s in self.results)
        keep, self._keep_cursor = self._keep_cursor, None
        at = next((i for i, s in enumerate(self.results) if s.id == keep), None)
        if at is not None:
            table.move_cursor(row=at)
        self._searching = False
        self._show_status()
        if self._open_when_ready:
            self._open_when_ready = False
            self._open_top()

    def _show_status(self) -> None:
        text = self.query_text.strip()
        count = len(self.results)
        if not text:
            more = ", more below" if self.has_more else ""
            capped = " (search to narrow)" if count >= MAX_ROWS else ""
            self.status.set_status(f"newest {plural(count, 'order')}{more}{capped}")
        elif not count:
            self.status.set_status(f"no match for “{visible(text, 60)}”")
        else:
            plus = "+" if self.has_more else ""
            more = ", more below" if self.has_more and count < MAX_ROWS else ""
            capped = " (type more to narrow)" if self.has_more and count >= MAX_ROWS else ""
            self.status.set_status(
                f"{count:,}{plus} orders match “{visible(text, 50)}”{more}{capped}"
                if count != 1
                else f"1 order matches “{visible(text, 60)}”"
            )

    @on(DataTable.RowHighlighted, "#results")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        """Load more when the cursor nears the end: the newest orders by keyset, a search by
        its continuation (matches not shown yet)."""
        if (
            self.has_more
            and not self._paging
            and not self._searching
            and event.cursor_row >= len(self.results) - NEAR
            and len(self.results) < MAX_ROWS
        ):
            self._paging = True
            if self.query_text.strip():
                self._more_matches(self.query_text)
            else:
                self._more_recent()

    @work(exclusive=True, group="search")
    async def _more_matches(self, text: str) -> None:
        from orderview.services import orders

        try:
            shown = {s.id for s in self.results}
            page = await asyncio.shield(
                orders.search_more(services_of(self.app).db, text, shown, limit=PAGE)
            )
            if not self.is_attached or self.query_text != text:
                return  # the operator typed meanwhile: that search owns the table now
            self.results.extend(page.items)
            self.has_more = page.has_more
            self.table.add_literal_rows((str(s.id), summary_cells(s)) for s in page.items)
            self._show_status()
        finally:
            self._paging = False

    @work(exclusive=True, group="search")
    async def _more_recent(self) -> None:
        from orderview.services import orders

        try:
            last = self.results[-1]
            page = await orders.recent_orders(
                services_of(self.app).db, limit=PAGE, before=(last.created_at, last.id)
            )
            if not self.is_attached:
                return
            self.results.extend(page.items)
            self.has_more = page.has_more
            self.table.add_literal_rows((str(s.id), summary_cells(s)) for s in page.items)
            self._show_status()
        finally:
            self._paging = False

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._searching or self.query_text != event.value:
            self._open_when_ready = True  # enter typed before the results arrived
            self._entered.set()  # and search it now
        else:
            self._open_top()

    def _open_top(self) -> None:
        if self.results:
            services_of(self.app).open_order(self.results[0].id)
        else:
            self.app.bell()
        self.query_one("#search", SearchBox).end_open()

    @on(DataTable.RowSelected, "#results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            services_of(self.app).open_order(int(event.row_key.value))

    def action_focus_search(self) -> None:
        self.query_one("#search", StillInput).focus()

    def action_focus_results(self) -> None:
        if self.results:
            self.table.focus()

    @work(exclusive=True, group="orders-dialog")
    async def action_new_order(self) -> None:
        """n: the issuing wizard with a first "New order" step (issue 5); opens the new order."""
        from orderview.widgets.read_only import refuse_write  # not at the light first paint

        if refuse_write(self):
            return
        from orderview.screens.issue_wizard import IssueWizard

        outcome = await self.app.push_screen_wait(IssueWizard(None))
        if outcome is not None:
            self._search(self.query_one("#search", StillInput).value)
            services_of(self.app).open_order(outcome.order_id)

    def refresh_results(self, keep: int | None = None) -> None:
        """Run the current search again (after an order was deleted or changed elsewhere);
        ``keep``: the order whose row the cursor goes back to, if still listed."""
        self._keep_cursor = keep
        self._search(self.query_one("#search", StillInput).value)
