"""Deleting an order: the order, all its licenses and its manager assignments, in one
transaction, leaving an audit event with a snapshot of what went.

The customer and the manager people stay (other orders may use them). Unsent mail about the
order (manager invites and notices, which may carry an initial password) is superseded and
scrubbed in the same transaction, so no sender delivers an invite to a deleted order. Licenses and assignments
go by bulk Core DELETE: a 100,000-license order must not load 100,000 ORM objects. The audit
snapshot keeps every license key and type (the issue asks for them), as compact
``[license_key, license_type, user_email]`` rows, so a deleted key can still be traced.

The delete confirms what its preview showed: ``DeletionPreview.fingerprint`` covers the order's
version, its customer (id, version, name shown), its license count and newest license, its
manager assignments (ids, versions) and its unsent mail; ``delete_order`` recomputes it after
locking the order and raises ``PreviewChanged`` with the new preview when anything moved
(``services/fingerprint.py``). On PostgreSQL the order's row lock also holds off new licenses
and assignments (their foreign key needs a share lock on it) until the delete is done.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from orderview.services.errors import NotFound, PreviewChanged
from orderview.services.fingerprint import fingerprint
from orderview.services.versioning import check_version

LICENSE_SNAPSHOT_COLUMNS = ["license_key", "license_type", "user_email"]


# Alike views.OrderSummary by shape only (frozen dataclass of an order's fields): a different view.
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
    fingerprint: str = ""  # of everything above and what it rests on: delete_order checks it

    @property
    def shown(self) -> tuple[str, str, str, int, int, int]:
        """What the dialog shows of it."""
        return (
            self.store_id,
            self.customer,
            self.customer_email,
            self.license_count,
            self.manager_count,
            self.unsent_mail,
        )


@dataclass(frozen=True, slots=True)
class DeletedOrder:
    order_id: int
    store_id: str
    license_count: int
    manager_count: int
    audit_event_id: int


async def deletion_preview(db: Database, order_id: int) -> DeletionPreview:
    async with db.sessions() as session:
        preview = await _preview(session, order_id)
    if preview is None:
        raise NotFound("no such order (it may have been deleted)")
    return preview


async def _preview(session: AsyncSession, order_id: int) -> DeletionPreview | None:
    """The preview as the database is now, in ``session`` (None: no such order)."""
    row = (
        await session.execute(
            # The same join as the export's order query, but the preview reads only the columns the
            # confirmation names (and both versions); the export reads every customer column.
            select(
                Order.store_id,
                Order.version,
                Order.customer_id,
                Customer.version.label("customer_version"),
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
        return None
    licenses = (
        await session.execute(
            select(func.count(License.id), func.max(License.id)).where(License.order_id == order_id)
        )
    ).one()
    managers = (
        await session.execute(
            select(OrderManager.id, OrderManager.version, OrderManager.manager_id)
            .where(OrderManager.order_id == order_id)
            .order_by(OrderManager.id)
        )
    ).all()
    unsent = (
        await session.execute(
            select(func.count(MailOutbox.id), func.max(MailOutbox.id)).where(
                MailOutbox.order_id == order_id, MailOutbox.status.in_(outbox.PENDING)
            )
        )
    ).one()
    name = f"{row.first_name or ''} {row.last_name or ''}".strip()
    preview = DeletionPreview(
        order_id=order_id,
        store_id=row.store_id,
        version=row.version,
        customer=row.company_name or name or (row.email or ""),
        customer_email=row.email or "",
        license_count=licenses[0] or 0,
        manager_count=len(managers),
        unsent_mail=unsent[0] or 0,
    )
    facts = fingerprint(
        preview.shown,
        row.version,
        row.customer_id,
        row.customer_version,
        licenses[1],
        [list(m) for m in managers],
        unsent[1],
    )
    return replace(preview, fingerprint=facts)


def preview_changes(before: DeletionPreview | tuple[object, ...], after: DeletionPreview) -> str:
    """What moved between two previews, for the operator ("licenses 1 → 1,001; …")."""
    old = before.shown if isinstance(before, DeletionPreview) else before
    new = after.shown
    names = (
        "Order ID",
        "customer",
        "customer email",
        "licenses",
        "license manager assignments",
        "unsent emails",
    )
    parts = [
        f"{name} {a:,} → {b:,}"
        if isinstance(a, int)
        else f"{name} {a or '(none)'} → {b or '(none)'}"
        for name, a, b in zip(names, old, new, strict=True)
        if a != b
    ]
    return "; ".join(parts) or "its licenses or license managers were replaced"


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
    db: Database, actor: str, order_id: int, expected_version: int, *, fingerprint: str
) -> DeletedOrder:
    """Delete the order the operator saw at ``expected_version`` with the preview whose
    ``fingerprint`` is given, or raise ConflictError.

    ConflictError(deleted=True) when it is already gone; ConflictError naming who changed what
    when its version moved on; ``PreviewChanged`` (with the new preview) when anything the
    preview showed changed (licenses issued, managers added or changed, the customer, unsent
    mail), which moves no order version.
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
        now = await _preview(session, order_id)
        if now is not None and now.fingerprint != fingerprint:
            raise PreviewChanged(
                "order",
                now,
                "Not deleted: this order changed after the preview was shown "
                f"({now.license_count:,} license(s) and {now.manager_count} manager "
                "assignment(s) now).",
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
