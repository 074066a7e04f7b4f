"""What the order screen's status line says after a dialog saved: every save says so, in one
short line ("Saved order ORD-1 (Reference)"), as export and issue do. Pure text from the
values before and after; the status line shows it literally until the next key press."""

from __future__ import annotations

from orderview.screens.edit_order import FLAGS, TEXT_FIELDS

from orderview.safetext import visible
from orderview.services.views import CustomerView, OrderDetail

LABELS = {name: label for name, label, _ in TEXT_FIELDS} | dict(FLAGS)


def order_saved(before: OrderDetail, after: OrderDetail) -> str:
    """``Saved order ORD-1 (Reference, Test order).``: the fields the save changed."""
    changed = [
        label for name, label in LABELS.items() if getattr(before, name) != getattr(after, name)
    ]
    if not changed:
        return f"Nothing to save: order {visible(after.store_id, 40)} is as it was."
    return f"Saved order {visible(after.store_id, 40)} ({', '.join(changed)})."


def customer_saved(before: OrderDetail, result: OrderDetail | CustomerView) -> str:
    """The Customer dialogs' outcome: the customer edited, added, changed or unlinked."""
    store_id = visible(before.store_id, 40)
    if isinstance(result, CustomerView):
        return f"Saved customer {visible(result.email, 60)}."
    old, new = before.customer, result.customer
    if new is None:
        was = f" {visible(old.email, 60)}" if old is not None else ""
        return f"Unlinked customer{was} from order {store_id}."
    if old is None:
        return f"Added customer {visible(new.email, 60)} to order {store_id}."
    return f"Order {store_id} now has customer {visible(new.email, 60)}."
