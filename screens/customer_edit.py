"""Add or edit a customer: every field, errors next to each, conflicts and taken emails.

``CustomerEditScreen(order)`` creates a customer and links it to the order (one transaction);
``CustomerEditScreen(order, customer)`` edits the linked customer, says how many other orders
share it, and can also switch the order to another customer (``ctrl+o``) or unlink it
(``ctrl+t``, confirmed). An email that belongs to another customer is refused with an offer to
link that customer instead (``ctrl+g``; ``ctrl+l`` is the app-wide redraw). Dismisses with what changed (``OrderDetail`` or
``CustomerView``) or ``None``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.edit_order import ConflictNotice, EditDialog, show_save_conflict
from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.form_field import FormField, refused
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from orderview.schemas.customer import CUSTOMER_FIELDS
from orderview.services import customers
from orderview.services.customers import EmailTaken
from orderview.services.errors import ConflictError, FieldErrors, NotFound, ServiceError
from orderview.services.views import CustomerView, OrderDetail

LABELS = {
    "email": "Email *",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company",
    "phone": "Phone",
    "reference": "Reference",
    "address": "Address",
    "city": "City",
    "state": "State",
    "postcode": "Postcode",
    "country": "Country (ISO)",
}
PLACEHOLDERS = {"email": "name@example.com", "country": "US, DE, GB…", "phone": "+1 555 0100"}

Result = OrderDetail | CustomerView | None


class CustomerEditScreen(EditDialog[Result]):
    DEFAULT_CSS = """
    CustomerEditScreen { align: center middle; }
    /* As tall as the customer picker it opens from (a new customer), so it covers the
       picker whole instead of cutting through its list. */
    CustomerEditScreen > VerticalScroll {
        width: 80; max-width: 100%; height: 1fr;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CustomerEditScreen .title { text-style: bold; height: 1; }
    CustomerEditScreen #shared { color: $text-muted; height: auto; }
    CustomerEditScreen #taken { color: $text-warning; height: auto; display: none; }
    CustomerEditScreen #taken.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+g", "link_taken", "Link that customer"),
        Binding("ctrl+o", "other_customer", "Other customer"),
        Binding("ctrl+t", "unlink", "Unlink"),
        Binding("r", "reload", "Reload"),
        Binding("ctrl+r", "reload", "Reload", show=False),
        *HELP_BINDINGS,
    ]

    def __init__(
        self,
        order: OrderDetail,
        customer: CustomerView | None = None,
        initial: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.order = order
        self.customer = customer
        self.initial = dict(initial or {})
        self.taken: CustomerView | None = None
        self.conflict: ConflictError | None = None
        self.busy = False
        self.opened_values: dict[str, str] = {}

    @property
    def editing(self) -> bool:
        return self.customer is not None

    def loaded(self, name: str) -> str:
        if self.customer is not None:
            return str(getattr(self.customer, name))
        return ""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.customer is None:
                title = Content.assemble(
                    ("Add customer to order ", "bold"), literal(self.order.store_id, 50, "bold")
                )
            else:
                title = Content.assemble(
                    (f"Edit customer #{self.customer.id}", "bold"),
                    " of order ",
                    literal(self.order.store_id, 40, "bold"),
                )
            yield Static(title, classes="title")
            if self.customer is not None:
                yield Static("", id="shared", markup=False)
            for name in CUSTOMER_FIELDS:
                value = self.initial.get(name, self.loaded(name))
                yield FormField(name, LABELS[name], value, PLACEHOLDERS.get(name, ""))
            yield Static(id="taken")
            yield ConflictNotice(id="conflict")
        yield StatusLine("ctrl+s saves · esc cancels", id="dialog-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.opened_values = self.values()
        self.query_one("#email").focus()
        if self.customer is not None:
            self._count_shared()

    @work(exclusive=True, group="customer-count")
    async def _count_shared(self) -> None:
        assert self.customer is not None
        count = await customers.count_other_orders(
            services_of(self.app).db, self.customer.id, self.order.id
        )
        if count == 0:
            text = "No other order uses this customer."
        else:
            verb = "shares" if count == 1 else "share"
            text = (
                f"{plural(count, 'other order')} {verb} this customer: "
                "changes apply to all of them."
            )
        self.query_one("#shared", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "link_taken":
            return self.taken is not None
        if action in ("other_customer", "unlink"):
            return self.editing
        if action == "reload":
            return self.conflict is not None
        return True

    # -- values -----------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#field-{name}", FormField).value for name in CUSTOMER_FIELDS}

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.values().items() if v != self.loaded(k)}

    def _show_refused(self, refusal: FieldErrors) -> None:
        self._status(refused(self, refusal.errors))  # every customer field has its error line
        if isinstance(refusal, EmailTaken):
            self._show_taken(refusal)
        else:
            self._clear_taken()

    def _show_taken(self, exc: EmailTaken) -> None:
        self.taken = exc.customer
        owner = exc.customer
        offer = self.query_one("#taken", Static)
        offer.update(
            literal(
                f"{owner.email} is customer #{owner.id} ({owner.display_name}). "
                f"ctrl+g links that customer to order {self.order.store_id} instead.",
                600,
            )
        )
        offer.add_class("-shown")
        self.refresh_bindings()

    def _clear_taken(self) -> None:
        self.taken = None
        self.query_one("#taken", Static).remove_class("-shown")
        self.refresh_bindings()

    def _show_conflict(self, conflict: ConflictError) -> None:
        self.conflict = conflict
        show_save_conflict(self, conflict)
        self._status(f"Not saved: the {conflict.entity} changed after you opened it")

    # -- save -------------------------------------------------------------------------------

    def pending_write(self) -> Awaitable[Result] | None:
        app = services_of(self.app)
        if self.customer is None:
            return customers.create_customer(
                app.db,
                app.operator,
                self.order.id,
                self.order.version,
                self.values(),
            )
        changes = self.changes()
        return (
            customers.update_customer(
                app.db,
                app.operator,
                self.customer.id,
                self.customer.version,
                changes,
                order_id=self.order.id,
            )
            if changes
            else None
        )

    def action_link_taken(self) -> None:
        if self.taken is not None and not self.busy:
            self._link(self.taken.id)

    @work(exclusive=True, group="edit-dialog")
    async def _link(self, customer_id: int) -> None:
        app = services_of(self.app)
        await self.save_and_close(
            customers.link_customer(
                app.db,
                app.operator,
                self.order.id,
                self.order.version,
                customer_id,
            ),
            doing="Linking…",
            failed="Not linked",
        )

    # -- other customer, unlink -------------------------------------------------------------

    def action_other_customer(self) -> None:
        if self.editing and not self.busy:
            self._pick_other()

    @work(exclusive=True, group="edit-dialog")
    async def _pick_other(self) -> None:
        from orderview.screens.customer_pick import CustomerPickScreen

        detail = await self.app.push_screen_wait(
            CustomerPickScreen(self.order, changing=True, editor=type(self))
        )
        if detail is not None:
            self.dismiss(detail)

    def action_unlink(self) -> None:
        if self.editing and not self.busy:
            self._unlink()

    @work(exclusive=True, group="edit-dialog")
    async def _unlink(self) -> None:
        assert self.customer is not None
        question = (
            f"Unlink customer {self.customer.email} from order {self.order.store_id}? "
            "The customer itself is kept."
        )
        if not await self.app.push_screen_wait(
            ConfirmScreen(question, "y = unlink", "n / esc = keep")
        ):
            return
        app = services_of(self.app)
        try:
            detail = await customers.unlink_customer(
                app.db,
                app.operator,
                self.order.id,
                self.order.version,
            )
        except ConflictError as exc:
            self._show_conflict(exc)
        except ServiceError as exc:
            self._status(f"Not unlinked: {exc}")
        else:
            self.dismiss(detail)

    # -- cancel, reload ---------------------------------------------------------------------

    def discard_question(self) -> str:
        if self.values() == self.opened_values:
            return ""
        what = "this new customer" if self.customer is None else "your changes to this customer"
        return f"Discard {what}?"

    @work(exclusive=True, group="edit-dialog")
    async def _reload(self) -> None:
        from orderview.services import orders

        app = services_of(self.app)
        try:
            self.order = await orders.get_order(app.db, self.order.id)
            fresh = (
                await customers.get_customer(app.db, self.customer.id)
                if self.customer is not None
                else None
            )
        except NotFound as exc:
            self._status(f"Cannot reload: {exc}. esc closes the dialog")
            return
        edited = self.changes()
        if fresh is not None:
            before, self.customer = self.customer, fresh
            for name in CUSTOMER_FIELDS:
                self.query_one(f"#field-{name}", FormField).take_reloaded(
                    getattr(fresh, name),
                    name in edited,
                    getattr(fresh, name) != getattr(before, name),
                )
        self.conflict = None
        self.query_one(ConflictNotice).remove_class("-shown")
        self.refresh_bindings()
        self.query_one("#email").focus()
        self._status("Reloaded the latest values; your edits are kept. ctrl+s saves them.")
