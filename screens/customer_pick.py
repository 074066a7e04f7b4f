"""Pick the order's customer: search existing customers as you type, or create a new one.

Search runs in an exclusive worker (a newer keystroke supersedes the older query) over the
indexed email/name/company prefixes, a page at a time; moving the cursor to the last row loads
the next page. ``enter`` links the highlighted customer to the order (one service call);
``ctrl+n`` opens the new-customer form instead. Dismisses with the saved ``OrderDetail`` or
``None``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from orderview.screens.edit_order import ConflictNotice
from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.literal import literal
from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.still_input import StillInput
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from orderview.safetext import visible
from orderview.services import customers, orders
from orderview.services.errors import ConflictError, NotFound, ServiceError
from orderview.services.views import CustomerView, OrderDetail

if TYPE_CHECKING:
    from orderview.screens.customer_edit import CustomerEditScreen

DEBOUNCE = 0.15
COLUMNS = ("Email", "Name", "Company", "Country")
WIDTHS = (26, 16, 16, 7)


def row(c: CustomerView) -> tuple[str, str, str, str]:
    return (c.email, f"{c.first_name} {c.last_name}".strip(), c.company_name, c.country)


class CustomerPickScreen(ModalScreen[OrderDetail | None]):
    DEFAULT_CSS = """
    CustomerPickScreen { align: center middle; }
    CustomerPickScreen > Vertical {
        width: 80; max-width: 100%; height: 1fr;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CustomerPickScreen .title { text-style: bold; height: 1; }
    CustomerPickScreen #customer-search { height: 1; margin: 1 0; }
    CustomerPickScreen #customer-results { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+n", "new_customer", "New customer"),
        Binding("n", "new_customer", "New customer", show=False),
        Binding("down", "focus_results", "Results", show=False),
        Binding("r", "reload", "Reload"),
        Binding("ctrl+r", "reload", "Reload", show=False),
        *HELP_BINDINGS,
    ]

    def __init__(
        self, order: OrderDetail, changing: bool = False, *, editor: type[CustomerEditScreen]
    ) -> None:
        """``editor``: the screen ``n`` opens for a new customer, passed in by the opener so the
        picker and the editor (which opens the picker) do not import each other."""
        super().__init__()
        self.order = order
        self.changing = changing
        self.editor = editor
        self.results: list[CustomerView] = []
        self.cursor: tuple[tuple[str, str, int], ...] = ()
        self.query_text = ""
        self.conflict: ConflictError | None = None
        self._fetching = False

    def compose(self) -> ComposeResult:
        verb = "Change customer of order " if self.changing else "Add customer to order "
        with Vertical():
            yield Static(
                Content.assemble((verb, "bold"), literal(self.order.store_id, 50, "bold")),
                classes="title",
            )
            yield StillInput(
                placeholder="Search customers: email, name or company",
                id="customer-search",
                compact=True,
            )
            yield LiteralTable(id="customer-results")
            yield ConflictNotice(id="conflict")
        yield StatusLine(id="dialog-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.table.set_columns(COLUMNS, WIDTHS)
        self.query_one("#customer-search").focus()
        self._search("")

    @property
    def table(self) -> LiteralTable:
        return self.query_one("#customer-results", LiteralTable)

    def _status(self, text: str) -> None:
        self.query_one(StatusLine).set_status(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self.conflict is not None
        return True

    # -- search -----------------------------------------------------------------------------

    @on(Input.Changed, "#customer-search")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(exclusive=True, group="customer-search")
    async def _search(self, text: str) -> None:
        if text:
            await asyncio.sleep(DEBOUNCE)  # superseded by the next keystroke's worker
        self._fetching = True
        try:
            page = await customers.search_customers(services_of(self.app).db, text)
        finally:
            self._fetching = False
        self.query_text = text
        self.results = []
        self.table.clear()
        self._append(page)

    def _append(self, page: customers.CustomerMatches) -> None:
        seen = {c.id for c in self.results}
        fresh = [c for c in page.items if c.id not in seen]
        self.results.extend(fresh)
        self.cursor = page.cursor
        self.table.add_literal_rows((str(c.id), row(c)) for c in fresh)
        self._show_count()

    def _show_count(self) -> None:
        count = len(self.results)
        if not count:
            what = f" matching “{visible(self.query_text, 40)}”" if self.query_text else ""
            self._status(f"no customer{what} · ctrl+n creates one")
            return
        parts = [plural(count, "customer")]
        if self.cursor:
            parts = [f"{count:,}+ customers", "more load at the end"]
        self._status(" · ".join([*parts, "enter links", "ctrl+n new customer"]))

    @on(DataTable.RowHighlighted, "#customer-results")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.cursor and not self._fetching and event.cursor_row >= len(self.results) - 1:
            self._fetching = True
            self._more(self.query_text, self.cursor)

    @work(exclusive=True, group="customer-search")
    async def _more(self, text: str, cursor: tuple[tuple[str, str, int], ...]) -> None:
        try:
            page = await customers.search_customers(services_of(self.app).db, text, cursor)
        finally:
            self._fetching = False
        if text == self.query_text:
            self._append(page)

    def action_focus_results(self) -> None:
        if self.results:
            self.table.focus()

    # -- pick -------------------------------------------------------------------------------

    @on(Input.Submitted, "#customer-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick_highlighted()

    @on(DataTable.RowSelected, "#customer-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._pick_highlighted()

    def _pick_highlighted(self) -> None:
        if not self.results:
            self._status("nothing to pick · ctrl+n creates a new customer")
            return
        index = min(max(self.table.cursor_row, 0), len(self.results) - 1)
        self._link(self.results[index])

    @work(exclusive=True, group="customer-link")
    async def _link(self, customer: CustomerView) -> None:
        app = services_of(self.app)
        self._status(f"Linking {visible(customer.email, 60)}…")
        try:
            detail = await customers.link_customer(
                app.db,
                app.operator,
                self.order.id,
                self.order.version,
                customer.id,
            )
        except ConflictError as exc:
            self.conflict = exc
            self.query_one(ConflictNotice).show_conflict(
                exc, "Nothing was linked. r reloads the order."
            )
            self.refresh_bindings()
            self._status("Not linked: the order changed after you opened it")
        except ServiceError as exc:
            self._status(f"Not linked: {exc}")
        else:
            self.dismiss(detail)

    def action_reload(self) -> None:
        if self.conflict is not None:
            self._reload()

    @work(exclusive=True, group="customer-link")
    async def _reload(self) -> None:
        try:
            self.order = await orders.get_order(services_of(self.app).db, self.order.id)
        except NotFound:
            self._status("This order no longer exists: esc closes the dialog")
            return
        self.conflict = None
        self.query_one(ConflictNotice).remove_class("-shown")
        self.refresh_bindings()
        self.query_one("#customer-search").focus()
        current = self.order.customer.email if self.order.customer else "no customer"
        self._status(f"Reloaded: the order now has {visible(current, 60)}. Pick again.")

    # -- new, cancel ------------------------------------------------------------------------

    def action_new_customer(self) -> None:
        self._new_customer()

    @work(exclusive=True, group="customer-new")
    async def _new_customer(self) -> None:
        typed = self.query_one("#customer-search", StillInput).value.strip()
        initial = {"email": typed} if "@" in typed else {}
        result = await self.app.push_screen_wait(self.editor(self.order, initial=initial))
        if result is not None:
            assert isinstance(result, OrderDetail)  # a new customer, linked to the order
            self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
