"""Creating orders: the order, optionally a new customer, and optionally its licenses.

One transaction for all of it; the licenses go in through ``issuing.issue_in_session``, so a new
order with 10,000 licenses costs what issuing them into an existing order costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import Customer, Order
from orderview.roles import require
from orderview.schemas.issuing import LineInput
from orderview.schemas.new_order import NewOrder, parse_new_order
from orderview.services import audit
from orderview.services.customers import add_customer
from orderview.services.errors import FieldErrors
from orderview.services.issuing import IssueResult, ProgressFn, issue_in_session, resolve_lines
from orderview.services.normalize import lc
from orderview.services.order_ids import (
    generate_store_id,
    store_id_holder,
    store_id_taken,
    store_id_taken_message,
)
from orderview.services.orders import get_order
from orderview.services.views import OrderDetail


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    order: OrderDetail
    issued: IssueResult | None


# --- creating orders ----------------------------------------------------------------------


async def _customer_for(session: AsyncSession, actor: str, new: NewOrder) -> int | None:
    if new.customer_id is not None:
        if await session.get(Customer, new.customer_id) is None:
            raise FieldErrors({"customer": "that customer no longer exists"})
        return new.customer_id
    if new.new_customer is None:
        return None
    c = new.new_customer
    if await session.scalar(select(Customer.id).where(Customer.email_lc == lc(c.email))):
        raise FieldErrors({"customer.email": "a customer with this email exists: pick it"})
    fields = {
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company_name": c.company_name,
        "phone": c.phone,
    }
    customer = await add_customer(
        session,
        actor,
        fields,
        summary=f"created customer {c.email}",
        changes=audit.diff({}, fields),
        created_at=datetime.now(UTC),
    )
    return customer.id


async def create_order(
    db: Database,
    actor: str,
    new_order: NewOrder | dict[str, Any],
    lines: Sequence[LineInput] = (),
    progress: ProgressFn | None = None,
) -> CreatedOrder:
    """Create an order (and its new customer, and its licenses) in one transaction."""
    require(actor, "create_order")
    if lines:
        require(actor, "issue")
    new = new_order if isinstance(new_order, NewOrder) else parse_new_order(new_order)
    resolved = await resolve_lines(db, lines) if lines else []
    try:
        async with db.write() as session:
            customer_id = await _customer_for(session, actor, new)
            store_id = new.store_id
            if store_id:
                held = await store_id_holder(session, store_id)
                if held is not None:
                    raise FieldErrors({"store_id": store_id_taken_message(held)})
            else:
                store_id = generate_store_id()
                while await store_id_taken(session, store_id):
                    store_id = generate_store_id()
            now = datetime.now(UTC)
            order = Order(
                store_id=store_id,
                store_id_lc=lc(store_id),
                **new.order_fields(),
                reference_lc=lc(new.reference),
                customer_id=customer_id,
                created_at=now,
                updated_at=now,
                version=1,
            )
            session.add(order)
            await session.flush()
            audit.record(
                session,
                actor=actor,
                action="created",
                entity="order",
                entity_id=order.id,
                entity_version=1,
                order_id=order.id,
                order_store_id=store_id,
                summary=f"created order {store_id}",
                changes=audit.diff(
                    {}, {"store_id": store_id, **new.order_fields(), "customer_id": customer_id}
                ),
            )
            issued = (
                await issue_in_session(session, actor, order, resolved, progress)
                if resolved
                else None
            )
    except IntegrityError:  # another desk took the same Order ID or email a moment ago
        raise FieldErrors(
            {
                "store_id": "an order with this Order ID (or a customer with this"
                " email) was just created elsewhere; try again"
            }
        ) from None
    return CreatedOrder(order=await get_order(db, order.id), issued=issued)
