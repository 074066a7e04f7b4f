"""Step (new orders only): Order ID (blank = generated), the order's own fields as Edit order
has them (reference, campaign params, download ID, language, test / trial), and the customer:
picked by search, created from a few fields, or none. The customer comes last: picking one
ends the step."""

from __future__ import annotations

import asyncio

from orderview.screens.edit_order import FLAGS, TEXT_FIELDS
from orderview.screens.wizard_steps.base import StepDone, WizardStep
from orderview.screens.wizard_steps.fields import Cycler, FieldRow, check_field, text_field
from orderview.screens.wizard_steps.state import OrderDraft
from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from orderview.widgets.literal_table import LiteralTable
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from orderview.schemas.new_order import parse_new_order
from orderview.services import customers
from orderview.services.errors import FieldErrors
from orderview.services.order_ids import order_id_problem
from orderview.services.views import CustomerView

MODES = (
    ("none", "no customer"),
    ("pick", "pick an existing customer"),
    ("new", "create a new customer"),
)
NEW_FIELDS = (
    ("email", "Email *", 254),
    ("first_name", "First name", 100),
    ("last_name", "Last name", 100),
    ("company_name", "Company", 200),
    ("phone", "Phone", 50),
)
DEBOUNCE = 0.15
LENGTHS = {"reference": 100, "campaign_params": 500, "download_id": 100, "language": 16}


class OrderStep(WizardStep):
    title = "New order"
    DEFAULT_CSS = """
    OrderStep #pick-section, OrderStep #new-section { height: auto; }
    OrderStep #customer-matches { height: 6; }
    OrderStep .picked { height: 1; padding-left: 24; }
    """

    def __init__(self, draft: OrderDraft) -> None:
        super().__init__(id="step-order")
        self.draft = draft
        self.matches: list[CustomerView] = []

    def compose(self) -> ComposeResult:
        d = self.draft
        yield FieldRow(
            "store_id", "Order ID", text_field("store_id", d.store_id, "blank = generated", 100)
        )
        for name, label, placeholder in TEXT_FIELDS:  # as Edit order has them
            yield FieldRow(
                name, label, text_field(name, getattr(d, name), placeholder, LENGTHS[name])
            )
        for name, label in FLAGS:
            yield FieldRow(name, label, check_field(name, getattr(d, name)))
        yield FieldRow("customer", "Customer", Cycler(MODES, d.customer_mode, id="customer"))
        with Vertical(id="pick-section"):
            yield FieldRow(
                "customer_search",
                "Search customer",
                text_field(
                    "customer_search", "", "email, name or company; enter picks from the list"
                ),
            )
            yield LiteralTable(id="customer-matches")
            yield Static(
                literal(d.picked_label and f"Picked: {d.picked_label}", 70),
                id="picked",
                classes="picked",
            )
        with Vertical(id="new-section"):
            for name, label, length in NEW_FIELDS:
                yield FieldRow(
                    f"customer.{name}",
                    label,
                    text_field(f"customer-{name}", d.customer[name], "", length),
                )
        with Horizontal(classes="buttons"):
            yield Button("Next", id="next", compact=True)

    def on_mount(self) -> None:
        self.query_one("#customer-matches", LiteralTable).set_columns(("Email", "Name", "Company"))
        self._show_mode(self.draft.customer_mode)

    def _show_mode(self, mode: str) -> None:
        self.query_one("#pick-section").display = mode == "pick"
        self.query_one("#new-section").display = mode == "new"
        if mode == "pick" and not self.matches:
            self._search("")

    def field_widgets(self):
        """Hidden sections' fields are skipped; in pick mode the list ends the step."""
        fields = [
            row.widget
            for row in self.query(FieldRow)
            if row.display and row.parent is not None and row.parent.display
        ]
        return fields

    @on(Cycler.Changed, "#customer")
    def _mode_changed(self, event: Cycler.Changed) -> None:
        event.stop()
        self.draft.customer_mode = event.value
        self._show_mode(event.value)

    @on(Input.Changed, "#customer_search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(exclusive=True, group="wizard-customer-search")
    async def _search(self, text: str) -> None:
        if text:
            await asyncio.sleep(DEBOUNCE)
        found = await customers.search_customers(services_of(self.app).db, text)
        self.matches = list(found.items)
        table = self.query_one("#customer-matches", LiteralTable)
        table.clear()
        table.add_literal_rows(
            (str(c.id), (c.email, f"{c.first_name} {c.last_name}".strip(), c.company_name))
            for c in self.matches
        )

    def _advance_from(self, widget) -> None:
        if widget.id == "customer_search":  # enter in the search box: go pick from the list
            table = self.query_one("#customer-matches", LiteralTable)
            if table.row_count:
                table.focus()
            else:
                self.app.bell()
            return
        if widget.id == "customer" and self.draft.customer_mode == "pick":
            self.query_one("#customer_search").focus()
            return
        super()._advance_from(widget)

    @on(DataTable.RowSelected, "#customer-matches")
    def _picked(self, event: DataTable.RowSelected) -> None:
        event.stop()
        customer = next((c for c in self.matches if str(c.id) == event.row_key.value), None)
        if customer is None:
            return
        self.draft.picked_id = customer.id
        self.draft.picked_label = f"{customer.display_name} <{customer.email}>"
        self.query_one("#picked", Static).update(literal(f"Picked: {self.draft.picked_label}", 70))
        self.post_message(StepDone(self))

    def collect(self) -> None:
        d = self.draft
        d.store_id = self.query_one("#store_id", Input).value
        for name, _, _ in TEXT_FIELDS:
            setattr(d, name, self.query_one(f"#{name}", Input).value)
        for name, _ in FLAGS:
            setattr(d, name, self.query_one(f"#{name}", Checkbox).value)
        d.customer_mode = self.query_one("#customer", Cycler).value
        for name, _, _ in NEW_FIELDS:
            d.customer[name] = self.query_one(f"#customer-{name}", Input).value

    def validate_step(self) -> dict[str, str]:
        if self.draft.customer_mode == "pick" and self.draft.picked_id is None:
            return {"customer": "search, then pick a customer with enter"}
        try:
            parse_new_order(self.draft.data())
        except FieldErrors as exc:
            return exc.errors
        return {}

    async def check_step(self) -> dict[str, str]:
        """An Order ID already taken (in any case) is said here, not after the summary."""
        problem = await order_id_problem(services_of(self.app).db, self.draft.store_id)
        return {"store_id": problem} if problem else {}
