"""The order screen: a header line and four tabs (Details, Customer, Licenses, License manager).

Tab contents are mounted on first activation (the DOM's size is the start-up cost). Other
screens and dialogs rely on ``detail``, ``reload()`` and ``show_tab()``; issue tasks add their
own bindings and ``action_*`` methods here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from orderview.screens.order_tabs import licenses as licenses_tab
from orderview.screens.order_tabs.customer import CustomerPane
from orderview.screens.order_tabs.details import DetailsPane
from orderview.screens.order_tabs.licenses import LicensesPane
from orderview.screens.order_tabs.managers import ManagersPane
from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.literal import literal
from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.read_only import refuse_write
from orderview.widgets.role_gate import RoleGated
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import StillFooter
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane, Tabs

from orderview.services import orders
from orderview.services.errors import NotFound
from orderview.services.views import CustomerView, LicenseRow, OrderDetail, Page

if TYPE_CHECKING:
    from orderview.screens.license import LicenseScreen

OrderTab = DetailsPane | CustomerPane | LicensesPane | ManagersPane  # each ``show``s an order
TABS: tuple[tuple[str, str, type[OrderTab]], ...] = (
    ("details", "Details", DetailsPane),
    ("customer", "Customer", CustomerPane),
    ("licenses", "Licenses", LicensesPane),
    ("managers", "License manager", ManagersPane),
)


def header_text(detail: OrderDetail) -> Content:
    customer = detail.customer.display_name if detail.customer else "no customer"
    return Content.assemble(
        ("Order ", "bold"),
        literal(detail.store_id, max_length=40, style="bold"),
        "  ·  ",
        literal(customer, max_length=40),
        "  ·  ",
        plural(detail.license_count, "license"),
        "  ·  ",
        plural(len(detail.managers), "manager"),
    )


def row_signature(detail: OrderDetail) -> tuple[object, ...]:
    """What the orders list shows of an order, so going back knows whether to refresh it."""
    customer = detail.customer
    return (
        detail.version,
        detail.license_count,
        (customer.id, customer.version) if customer else None,
    )


class OrderScreen(RoleGated, Screen[None]):
    HELP_TITLE = "Order"
    ROLE_ACTIONS: ClassVar[dict[str, str]] = {
        "edit_order": "edit_order",
        "customer": "edit_customer",
        "issue_licenses": "issue",
        "export_order": "export",
        "delete_order": "delete_order",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer holds ~75 columns at 80: the letter actions first, short labels (help
        # shows the tooltips); esc, ctrl+r and 1-4 are in help and the README key map.
        Binding("e", "edit_order", "Edit", tooltip="Edit the order"),
        Binding("c", "customer", "Customer", tooltip="Customer: pick, create, edit or unlink"),
        Binding("h", "history", "History", tooltip="History of the order (audit trail)"),
        Binding("i", "issue_licenses", "Issue", tooltip="Issue licenses into this order"),
        Binding("x", "export_order", "Export", tooltip="Export the order as CSV"),
        Binding("D", "delete_order", "Delete", tooltip="Delete the order (asks first)"),
        Binding("escape", "back", "Back", show=False, tooltip="Back to the orders"),
        Binding("1", "show_tab('details')", "Details", show=False),
        Binding("2", "show_tab('customer')", "Customer", show=False),
        Binding("3", "show_tab('licenses')", "Licenses", show=False),
        Binding("4", "show_tab('managers')", "Managers", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False, tooltip="Reload the order"),
    ]

    def __init__(self, order_id: int, detail: OrderDetail | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.detail: OrderDetail | None = detail  # set once loaded; others rely on it
        self._mounted: set[str] = set()  # tabs whose contents are mounted (or mounting)
        self._opened_as: tuple[object, ...] | None = None  # what the orders list showed
        # The first page of licenses, read with ``detail`` while the Licenses tab is unmounted:
        # the tab then paints its rows at once (no second round trip when it is opened).
        self._first_licenses: Page[LicenseRow] | None = None
        self._built = False  # the widgets are mounted (the first read may finish before)
        self._missing = False  # the order was not found
        self._wanted_tab: str | None = None  # asked for before the widgets were mounted

    @property
    def accepts_input(self) -> bool:
        """Keys typed ahead of the order (``e``, ``x``…) wait until it is loaded: its actions
        need it (``widgets/type_ahead.py``)."""
        return self.detail is not None or self._missing

    def compose(self) -> ComposeResult:
        if self.detail is None:
            self._load()  # the database reads while the widgets below are built
        yield Static(id="order-header")
        with TabbedContent(id="order-tabs"):
            for tab_id, title, _ in TABS:
                yield TabPane(title, id=tab_id)
        yield StatusLine(id="order-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self._built = True
        if self._wanted_tab is not None:
            self.query_one(TabbedContent).active = self._wanted_tab
        if self.detail is not None:  # given, or read before the widgets were up
            self._show_detail()
        elif self._missing:
            self._show_missing()

    @work(exclusive=True, group="order-load")
    async def _load(self) -> None:
        await self.reload()

    async def reload(self) -> None:
        """Reload the order and refresh every mounted pane (call after any save)."""
        try:
            detail = await orders.get_order(services_of(self.app).db, self.order_id)
            first = None
            if "licenses" not in self._mounted:  # read now, painted at once when asked for
                first = await orders.page_licenses(
                    services_of(self.app).db, self.order_id, limit=licenses_tab.PAGE
                )
            self.detail, self._first_licenses = detail, first
        except NotFound:
            self._missing = True
            if self._built and self.is_attached:
                self._show_missing()
            return
        if self._built and self.is_attached:
            self._show_detail()

    def _show_missing(self) -> None:
        self.query_one("#order-status", StatusLine).set_status(
            "This order no longer exists (deleted by someone else?). Press esc."
        )

    def _show_detail(self) -> None:
        detail = self.detail
        assert detail is not None
        if self._opened_as is None:
            self._opened_as = row_signature(detail)
        self.query_one("#order-header", Static).update(header_text(detail))
        tabs = self.query_one(TabbedContent)
        for tab_id, _, _ in TABS:
            pane_widget = self._pane_widget(tab_id)
            if pane_widget is not None:
                pane_widget.show(detail)
        self._mount_tab(tabs.active or "details")

    def _pane_widget(self, tab_id: str) -> OrderTab | None:
        pane = self.query_one(f"#{tab_id}", TabPane)
        if not pane.children:
            return None
        widget = pane.children[0]
        assert isinstance(widget, OrderTab)  # the one widget ``_mount_tab`` mounts in a tab
        return widget

    def _mount_tab(self, tab_id: str) -> None:
        """Mount a tab's contents the first time it is shown."""
        if self.detail is None or tab_id in self._mounted:
            return
        self._mounted.add(tab_id)
        widget_type = next(cls for tid, _, cls in TABS if tid == tab_id)
        widget = widget_type(id=f"{tab_id}-pane")
        if isinstance(widget, LicensesPane) and self._first_licenses is not None:
            widget.prefill(self.detail, self._first_licenses)
            self._first_licenses = None
        self.call_later(self._mount_and_show, self.query_one(f"#{tab_id}", TabPane), widget)

    async def _mount_and_show(self, pane: TabPane, widget: OrderTab) -> None:
        await pane.mount(widget)
        assert self.detail is not None
        widget.show(self.detail)
        if self.query_one(TabbedContent).active == pane.id:
            self._focus_pane(pane.id)

    def _focus_pane(self, tab_id: str | None) -> None:
        """Put the cursor where the keys are useful: the tab's table if it has one."""
        if tab_id is None:
            return
        tables = self.query_one(f"#{tab_id}", TabPane).query(LiteralTable)
        if tables:
            tables.first().focus()
        else:
            self.query_one(TabbedContent).query_one(Tabs).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._mount_tab(event.pane.id)

    def pane(self, tab_id: str) -> OrderTab | None:
        """The mounted contents of a tab (None until first shown)."""
        return self._pane_widget(tab_id)

    @on(LicensesPane.OpenLicense)
    def _open_license_row(self, event: LicensesPane.OpenLicense) -> None:
        event.stop()
        self.open_license(event.license_id)

    def open_license(self, license_id: int, *, place_cursor: bool = False) -> None:
        """The license's screen over this one (``place_cursor``: opened by ``open --license``,
        esc shows the Licenses tab at its row)."""
        from orderview.screens.license import LicenseScreen

        self.app.push_screen(
            LicenseScreen(license_id, place_order_cursor=place_cursor, back=self.license_closed)
        )

    def license_closed(self, screen: LicenseScreen) -> None:
        """esc on a license screen opened here: place the cursor on it, or show its changes."""
        if screen.place_order_cursor:
            self.show_tab("licenses")
            self._place_license_cursor(screen.license_id, tries=20)
        elif screen.changed:
            self.app.call_later(self.action_reload)

    def _place_license_cursor(self, license_id: int, tries: int) -> None:
        """The Licenses tab, once mounted, shows its window from this license."""
        pane = self.pane("licenses")
        if isinstance(pane, LicensesPane) and pane.is_mounted:
            pane.start_at(license_id - 1)  # keyset: the first id after is this license
        elif tries:
            self.call_after_refresh(self._place_license_cursor, license_id, tries - 1)

    def show_tab(self, tab_id: str) -> None:
        if not self._built:  # e.g. ``3`` typed right after enter: shown once the tabs are up
            self._wanted_tab = tab_id
            return
        self.query_one(TabbedContent).active = tab_id
        self._mount_tab(tab_id)
        if self._pane_widget(tab_id) is not None:
            self._focus_pane(tab_id)

    def action_show_tab(self, tab_id: str) -> None:
        self.show_tab(tab_id)

    def action_back(self) -> None:
        """Back to the orders; their list shows this order's row anew if it changed here."""
        changed = self.detail is not None and row_signature(self.detail) != self._opened_as
        self.dismiss()
        if changed:
            from orderview.screens.orders import OrdersScreen

            for screen in self.app.screen_stack:
                if isinstance(screen, OrdersScreen):
                    screen.refresh_results(keep=self.order_id)

    async def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="order-dialog")
    async def action_issue_licenses(self) -> None:
        """i: the issuing wizard (issue 5); afterwards the Licenses tab shows the new ones."""
        if refuse_write(self):
            return
        from orderview.screens.issue_wizard import IssueWizard, show_new_licenses

        if self.detail is not None:
            outcome = await self.app.push_screen_wait(IssueWizard(self.detail))
            if outcome is not None:
                await show_new_licenses(self, outcome)
                self.say(f"Issued {plural(outcome.issued, 'license')}.")

    def action_export_order(self) -> None:
        """x: write this order's CSV (issue 4)."""
        from orderview.screens.export_dialog import ExportScreen

        if self.detail is not None:
            self.app.push_screen(ExportScreen(self.detail))

    @work(exclusive=True, group="order-dialog")
    async def action_delete_order(self) -> None:
        """D: delete this order once its Order ID is typed (issue 4); then back to the orders."""
        if refuse_write(self):
            return
        from orderview.screens.delete_order import DeleteOrderScreen, after_delete

        if self.detail is not None:
            deleted = await self.app.push_screen_wait(DeleteOrderScreen(self.detail))
            if deleted is not None:
                after_delete(self.app, deleted)

    @work(exclusive=True, group="order-dialog")
    async def action_edit_order(self) -> None:
        """Edit order (issue 3); reload afterwards: saved, or refused because it changed."""
        if refuse_write(self):
            return
        from orderview.screens.edit_order import EditOrderScreen
        from orderview.screens.saved_messages import order_saved

        before = self.detail
        if before is not None:
            saved = await self.app.push_screen_wait(EditOrderScreen(before))
            await self.reload()
            if saved is not None:
                self.say(order_saved(before, saved))

    @work(exclusive=True, group="order-dialog")
    async def action_customer(self) -> None:
        """Add a customer (pick or create) or edit/relink/unlink the one linked (issue 3)."""
        if refuse_write(self):
            return
        from orderview.screens.customer_edit import CustomerEditScreen
        from orderview.screens.customer_pick import CustomerPickScreen
        from orderview.screens.saved_messages import customer_saved

        before = self.detail
        if before is None:
            return
        result: OrderDetail | CustomerView | None
        if before.customer is None:
            result = await self.app.push_screen_wait(
                CustomerPickScreen(before, editor=CustomerEditScreen)
            )
        else:
            result = await self.app.push_screen_wait(CustomerEditScreen(before, before.customer))
        await self.reload()
        self.show_tab("customer")
        if result is not None:
            self.say(customer_saved(before, result))

    def say(self, message: str) -> None:
        """A message about what just happened, until the next key press."""
        self.query_one("#order-status", StatusLine).say(message)

    def action_history(self) -> None:
        from orderview.screens.history import HistoryScreen

        if self.detail is not None:
            self.app.push_screen(HistoryScreen(self.detail.id, self.detail.store_id))
