"""An order's History: audit events newest first, a page at a time, readable at 80 columns.

Each event is one literal block (heading, then ``Field: old → new`` lines that wrap). Older
events load when the operator scrolls to the end (or presses ``m``); nothing repaints while idle.
"""

from __future__ import annotations

from typing import ClassVar

from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from orderview.history_text import event_lines
from orderview.services import audit
from orderview.services.views import AuditView

PAGE = 20
MAX_VALUE = 300  # characters of one old/new value shown; `orderview history` prints all


def event_content(event: AuditView) -> Content:
    heading, *rest = event_lines(event, MAX_VALUE)
    return Content("\n").join([literal(heading, style="bold"), *(literal(line) for line in rest)])


class HistoryLog(VerticalScroll, can_focus=True):
    """The scrolling list; reaching its end asks the screen for older events."""

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new > 0 and new >= self.max_scroll_y:
            screen = self.screen
            if isinstance(screen, HistoryScreen):
                screen.load_more()


# Its frame CSS reads like the customer picker's (a full-height dialog 80 wide): each screen
# keeps its own DEFAULT_CSS so its look is read in one place, under its own type name.
class HistoryScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > Vertical {
        width: 80; max-width: 100%; height: 1fr;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HistoryScreen .title { text-style: bold; height: 1; }
    HistoryScreen HistoryLog { height: 1fr; }
    HistoryScreen .event { height: auto; width: 1fr; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("m", "more", "Older"),
        Binding("home,g", "top", "Newest", show=False),
        Binding("end,G", "bottom", "Oldest loaded", show=False),
        *HELP_BINDINGS,
    ]

    def __init__(self, order_id: int, store_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.store_id = store_id
        self.events: list[AuditView] = []
        self.has_more = False
        self._fetching = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content.assemble(
                    ("History of order ", "bold"),
                    literal(self.store_id, 50, "bold"),
                    "  (times in UTC, newest first)",
                ),
                classes="title",
            )
            yield HistoryLog(id="history-log")
        yield StatusLine(id="history-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one(HistoryLog).focus()
        self._fetching = True
        self._load(None)

    def load_more(self) -> None:
        if self.has_more and not self._fetching and self.events:
            self._fetching = True
            self._load(self.events[-1].id)

    @work(exclusive=True, group="history")
    async def _load(self, before_id: int | None) -> None:
        try:
            page = await audit.order_history(
                services_of(self.app).db, self.order_id, before_id=before_id, limit=PAGE
            )
            self.events.extend(page.items)
            self.has_more = page.has_more
            self.refresh_bindings()
            log = self.query_one(HistoryLog)
            await log.mount_all(
                Static(event_content(e), classes="event", id=f"event-{e.id}") for e in page.items
            )
        finally:
            self._fetching = False
        count = len(self.events)
        if not count:
            text = "No recorded changes yet."
        elif self.has_more:
            text = f"{count:,} newest events shown · scroll to the end or press m for older"
        else:
            text = f"all {count:,} event{'s' if count != 1 else ''} shown"
        self.query_one(StatusLine).set_status(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more":
            return self.has_more  # "m Older" leaves the footer once everything is shown
        return True

    def action_more(self) -> None:
        self.load_more()

    def action_top(self) -> None:
        self.query_one(HistoryLog).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(HistoryLog).scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
