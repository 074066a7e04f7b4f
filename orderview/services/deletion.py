"""Deleting an order: the order, all its licenses and its manager assignments, in one
transaction, leaving an audit event with a snapshot of what went.

The customer and the manager people stay (other orders may use them). Unsent mail about the
order (manager invites and notices, which may carry an initial password) is superseded and
scrubbed in the same transaction, so no sender delivers an invite to a deleted order. Licenses and assignments
go by bulk Core DELETE: a 100,000-license order must not load 100,000 ORM objects. The audit
snapshot keeps every license key and type (the issue asks for them), as compact
``[license_key, license_type, user_email]`` rows, so a deleted key can still be traced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import (
    Customer,
    License,
    LicenseManager,
    MailOutbox,
    Order,
    OrderManager,
)
from orderview.mail import outbox
from orderview.roles import require
from orderview.services import audit
from orderview.services.errors import NotFound
from orderview.services.versioning import check_version

LICENSE_SNAPSHOT_COLUMNS = ["license_key", "license_type", "user_email"]


@dataclass(frozen=True, slots=True)
class DeletionPreview:
    """What the Delete order dialog names before the operator confirms."""

    order_id: int
    store_id: str
    version: int
    customer: str  # company, else name, else email; "" without a customer
    customer_email: str
    license_count: int
    manager_count: int
    unsent_mail: int = 0  # invites/notices about the order not sent yet: cancelled with it


@dataclass(frozen=True, slots=True)
class DeletedOrder:
    order_id: int
    store_id: str
    license_count: int
    manager_count: int
    audit_event_id: int


async def deletion_preview(db: Database, order_id: int) -> DeletionPreview:
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(
                    Order.store_id,
                    Order.version,
                    Customer.email,
                    Customer.first_name,
                    Customer.last_name,
                    Customer.company_name,
                )
                .outerjoin(Customer, Customer.id == Order.customer_id)
                .where(Order.id == order_id)
            )
        ).first()
        if row is None:
            raise NotFound("no such order (it may have been deleted)")
        licenses = await session.scalar(
            select(func.count(License.id)).where(License.order_id == order_id)
        )
        managers = await session.scalar(
            select(func.count(OrderManager.id)).where(OrderManager.order_id == order_id)
        )
        unsent = await session.scalar(
            select(func.count(MailOutbox.id)).where(
                MailOutbox.order_id == order_id, MailOutbox.status.in_(outbox.PENDING)
            )
        )
    name = f"{row.first_name or ''} {row.last_name or ''}".strip()
    return DeletionPreview(
        order_id=order_id,
        store_id=row.store_id,
        version=row.version,
        customer=row.company_name or name or (row.email or ""),
        customer_email=row.email or "",
        license_count=licenses or 0,
        manager_count=managers or 0,
        unsent_mail=unsent or 0,
    )


_ORDER_FIELDS = (
    Order.id,
    Order.store_id,
    Order.reference,
    Order.campaign_params,
    Order.download_id,
    Order.language,
    Order.is_test,
    Order.is_trial,
    Order.order_type,
    Order.customer_id,
    Order.metadata_,
    Order.created_at,
    Order.updated_at,
    Order.version,
)


async def _snapshot(session: AsyncSession, order: Any) -> dict[str, Any]:
    fields = {col.key: getattr(order, col.key) for col in _ORDER_FIELDS}
    fields["metadata"] = fields.pop("metadata_")
    customer = None
    if order.customer_id is not None:
        email = await session.scalar(select(Customer.email).where(Customer.id == order.customer_id))
        customer = {"id": order.customer_id, "email": email}
    licenses = (
        await session.execute(
            select(License.license_key, License.license_type, License.user_email)
            .where(License.order_id == order.id)
            .order_by(License.id)
        )
    ).all()
    managers = (
        await session.execute(
            select(LicenseManager.id, LicenseManager.email, OrderManager.permissions)
            .join(LicenseManager, LicenseManager.id == OrderManager.manager_id)
            .where(OrderManager.order_id == order.id)
            .order_by(LicenseManager.email_lc)
        )
    ).all()
    return {
        "order": fields,
        "customer": customer,
        "license_count": len(licenses),
        "license_columns": LICENSE_SNAPSHOT_COLUMNS,
        "licenses": [list(r) for r in licenses],
        "managers": [
            {"id": m.id, "email": m.email, "permissions": list(m.permissions or [])}
            for m in managers
        ],
    }


async def delete_order(
    db: Database, actor: str, order_id: int, expected_version: int
) -> DeletedOrder:
    """Delete the order the operator saw at ``expected_version``, or raise ConflictError.

    ConflictError(deleted=True) when it is already gone; ConflictError naming who changed what
    when its version moved on.
    """
    require(actor, "delete_order")
    async with db.write() as session:
        # Only the columns the snapshot keeps: the rows go by bulk DELETE, not through the ORM.
        query = select(*_ORDER_FIELDS).where(Order.id == order_id).with_for_update()
        order = await check_version(
            session,
            (await session.execute(query)).first(),
            entity="order",
            row_id=order_id,
            expected_version=expected_version,
        )
        snapshot = await _snapshot(session, order)
        sync = {"synchronize_session": False}
        await session.execute(
            delete(OrderManager).where(OrderManager.order_id == order_id), execution_options=sync
        )
        await session.execute(
            delete(License).where(License.order_id == order_id), execution_options=sync
        )
        await session.execute(delete(Order).where(Order.id == order_id), execution_options=sync)
        # Unsent invites and notices about this order would invite people to manage an order
        # that no longer exists (and carry initial passwords): cancel and scrub them too.
        cancelled = await outbox.supersede(session, manager_id=None, order_id=order_id)
        snapshot["cancelled_mail"] = cancelled
        license_count = snapshot["license_count"]
        manager_count = len(snapshot["managers"])
        event = audit.record(
            session,
            actor=actor,
            action="deleted",
            entity="order",
            entity_id=order_id,
            entity_version=order.version + 1,
            order_id=order_id,
            order_store_id=order.store_id,
            summary=(
                f"Deleted order {order.store_id} with {license_count} license(s) and "
                f"{manager_count} manager assignment(s)"
                + (f"; {cancelled} unsent email(s) cancelled" if cancelled else "")
            ),
            snapshot=snapshot,
        )
        await session.flush()
        event_id = event.id
    return DeletedOrder(order_id, order.store_id, license_count, manager_count, event_id)
