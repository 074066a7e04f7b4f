"""Editing an order's own fields: one transaction, version checked, one audit event.

``lock_order`` is also what the customer services use to link or unlink an order's customer, so
every change to an order row goes through the same check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import Order
from orderview.roles import require
from orderview.schemas.order import EDITABLE_ORDER_FIELDS, validate_order_changes
from orderview.services import audit
from orderview.services.normalize import lc
from orderview.services.orders import get_order
from orderview.services.versioning import bump, lock_versioned
from orderview.services.views import OrderDetail


async def lock_order(session: AsyncSession, order_id: int, expected_version: int) -> Order:
    """The order row, locked for this transaction, refused if changed since ``expected_version``
    (deleted since: ``ConflictError(deleted=True)``; never existed: ``NotFound``)."""
    return await lock_versioned(
        session, Order, order_id, expected_version, entity="order", missing="no such order"
    )


async def update_order(
    db: Database, actor: str, order_id: int, expected_version: int, changes: dict[str, Any]
) -> OrderDetail:
    """Change any of reference, campaign_params, download_id, language, is_test, is_trial.

    Raises ``FieldErrors`` for bad input, ``ConflictError`` when someone else changed the order
    after ``expected_version`` was loaded, ``NotFound`` if it never existed. Values equal to the
    stored ones are not a change: nothing is written and no audit event recorded.
    """
    require(actor, "edit_order")
    clean = validate_order_changes(changes)
    async with db.write() as session:
        order = await lock_order(session, order_id, expected_version)
        old = {name: getattr(order, name) for name in EDITABLE_ORDER_FIELDS}
        delta = audit.diff(old, clean)
        if delta:
            for name, (_, new) in delta.items():
                setattr(order, name, new)
            order.reference_lc = lc(order.reference)
            bump(order)
            # Alike customers.py's audit events by shape only: one event per write, with its own values.
            audit.record(
                session,
                actor=actor,
                action="updated",
                entity="order",
                entity_id=order.id,
                entity_version=order.version,
                order_id=order.id,
                order_store_id=order.store_id,
                summary=f"Order {order.store_id} updated",
                changes=delta,
            )
    return await get_order(db, order_id)
