"""The New order step of the issuing wizard (and ``orderview order create``): the Order ID, the
order's own fields and the customer (picked, created from a few fields, or none).

The order's own fields are Edit order's (``OrderChanges``), so a new order obeys the same rules
and needs no second edit; a new customer obeys the Customer dialog's.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from orderview.schemas.common import Line50, Line100, Line200, Line254, parse
from orderview.schemas.customer import validate_new_customer
from orderview.schemas.issuing import EMAIL_RE
from orderview.schemas.order import EDITABLE_ORDER_FIELDS, OrderChanges
from orderview.services.errors import FieldErrors


class NewCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Line254
    first_name: Line100 = ""
    last_name: Line100 = ""
    company_name: Line200 = ""
    phone: Line50 = ""


class NewOrder(OrderChanges):
    """Order ID blank = generated; a customer picked by id, created from fields, or none. The
    order's own fields (reference, campaign params, download ID, language, test / trial) are
    Edit order's (``OrderChanges``): the same rules, so a new order needs no second edit."""

    model_config = ConfigDict(extra="forbid")

    store_id: Line100 = ""
    customer_id: int | None = None
    new_customer: NewCustomer | None = None

    def order_fields(self) -> dict[str, Any]:
        """The order's own fields, as Edit order would store them."""
        return {name: getattr(self, name) for name in EDITABLE_ORDER_FIELDS}


def parse_new_order(data: dict[str, Any]) -> NewOrder:
    """Validate the new-order step; customer field errors are keyed ``customer.<field>``."""
    customer = data.get("new_customer")
    errors: dict[str, str] = {}
    if customer is not None:
        # The same rules as the Customer dialog (email syntax, phone), so a customer made here
        # can be edited there without first repairing it. Both run: a bad phone must not hide
        # a bad email until the phone is fixed.
        for check in (lambda c: parse(NewCustomer, c), validate_new_customer):
            try:
                check(dict(customer))
            except FieldErrors as exc:
                for k, v in exc.errors.items():
                    errors.setdefault(f"customer.{k}", f"email {v}" if k == "email" else v)
        email = str(dict(customer).get("email") or "").strip()
        if "customer.email" not in errors and not EMAIL_RE.match(email):
            errors["customer.email"] = "enter the customer's email address"
    rest = {k: v for k, v in data.items() if k != "new_customer"}
    try:
        order = parse(NewOrder, rest)
    except FieldErrors as exc:
        errors.update(exc.errors)
        order = None
    if data.get("customer_id") is not None and customer is not None:
        errors["customer"] = "pick a customer or create one, not both"
    if errors or order is None:
        raise FieldErrors(errors)
    if customer is not None:
        order = order.model_copy(update={"new_customer": NewCustomer.model_validate(customer)})
    return order
