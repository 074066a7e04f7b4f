"""The outbox as ``orderview outbox list`` shows it: each message with the Order ID of its
order and the email of its license manager (the outbox keeps only their ids, without foreign
keys, so a message outlives both)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from orderview.db.engine import Database
from orderview.db.models import LicenseManager, Order
from orderview.mail.outbox import OutboxView, list_outbox


@dataclass(frozen=True, slots=True)
class OutboxLine:
    mail: OutboxView
    order: str | None  # the Order ID; None: no order, or the order was deleted
    manager: str | None  # the manager's email; None: no manager, or removed since


async def list_mail(
    db: Database,
    statuses: tuple[str, ...] = (),
    limit: int = 200,
    order_id: int | None = None,
) -> list[OutboxLine]:
    """Newest first, optionally one order's only; two indexed lookups name orders and
    managers."""
    views = await list_outbox(db, statuses, limit, order_id=order_id)
    order_ids = {v.order_id for v in views if v.order_id is not None}
    manager_ids = {v.manager_id for v in views if v.manager_id is not None}
    async with db.sessions() as session:
        orders = (
            {
                row.id: row.store_id
                for row in await session.execute(
                    select(Order.id, Order.store_id).where(Order.id.in_(order_ids))
                )
            }
            if order_ids
            else {}
        )
        emails = (
            {
                row.id: row.email
                for row in await session.execute(
                    select(LicenseManager.id, LicenseManager.email).where(
                        LicenseManager.id.in_(manager_ids)
                    )
                )
            }
            if manager_ids
            else {}
        )
    return [OutboxLine(v, orders.get(v.order_id), emails.get(v.manager_id)) for v in views]
