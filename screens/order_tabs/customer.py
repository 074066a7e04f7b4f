"""Customer tab: every field of the linked customer, or a clear "No customer" state."""

from __future__ import annotations

from orderview.widgets.field_list import FieldList
from orderview.widgets.fmt import utc
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from orderview.services.views import CustomerView, OrderDetail

NO_CUSTOMER = "No customer: this order is not linked to a customer. c adds one (pick or create)."


def customer_fields(c: CustomerView) -> list[tuple[str, object]]:
    return [
        ("Email", c.email),
        ("First name", c.first_name),
        ("Last name", c.last_name),
        ("Company", c.company_name),
        ("Phone", c.phone),
        ("Reference", c.reference),
        ("Address", c.address),
        ("City", c.city),
        ("State", c.state),
        ("Postcode", c.postcode),
        ("Country", c.country),
        ("Created", utc(c.created_at, seconds=True)),
        ("Updated", utc(c.updated_at, seconds=True)),
    ]


class CustomerPane(VerticalScroll):
    DEFAULT_CSS = """
    CustomerPane { height: 1fr; }
    CustomerPane #no-customer { padding: 1 1; text-style: italic; }
    """

    def compose(self) -> ComposeResult:
        yield Static(NO_CUSTOMER, id="no-customer", markup=False)
        yield FieldList(id="customer-fields")

    def show(self, detail: OrderDetail) -> None:
        customer = detail.customer
        self.query_one("#no-customer").display = customer is None
        fields = self.query_one("#customer-fields", FieldList)
        fields.display = customer is not None
        if customer is not None:
            fields.show_fields(customer_fields(customer))
