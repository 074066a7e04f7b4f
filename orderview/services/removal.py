"""Remove manager: what its confirmation shows, the check that it still holds, the removal.

Its own module (not ``managers.py``) because removing is the one manager write that must match
a confirmation first: the preview, its fingerprint and the write that checks it belong
together. The confirmation names the manager as they are now (email, name, permissions on this
order, whether they signed in, the unsent mail to them about this order that removing cancels);
``remove_manager`` takes the preview's fingerprint and, inside its transaction after locking
the assignment, refuses with ``PreviewChanged`` (carrying the new preview) when any of it
changed: a new invite queued, a resend, another desk's edit of the person. The assignment's
own version covers only its permissions. See ``services/fingerprint.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import LicenseManager, MailOutbox, Order, OrderManager
from orderview.mail import outbox
from orderview.permissions import sort_codes
from orderview.roles import require
from orderview.services import audit, managers
from orderview.services.errors import NotFound, PreviewChanged
from orderview.services.fingerprint import fingerprint

ENTITY = "license manager assignment"


# Alike mail.composer.Composed and deletion.DeletionPreview by shape only (frozen dataclasses).
@dataclass(frozen=True, slots=True)
class ManagerRemoval:
    """The manager as the Remove confirmation shows them."""

    assignment_id: int
    version: int
    store_id: str
    email: str
    name: str
    permissions: list[str]
    signed_in: bool  # they changed their initial password
    unsent_mail: int  # queued invites/notices to them about this order: cancelled
    fingerprint: str = ""


async def removal_preview(db: Database, assignment_id: int) -> ManagerRemoval:
    async with db.sessions() as session:
        preview = await _preview(session, assignment_id)
    if preview is None:
        raise NotFound("no such license manager on this order (they may have been removed)")
    return preview


async def remove_manager(
    db: Database, assignment_id: int, *, version: int, actor: str, fingerprint: str
) -> None:
    """Take a manager off an order; the person (and their other orders) stay. Only as the
    confirmation showed them (``removal_preview``'s ``fingerprint``), else
    ``PreviewChanged``."""
    require(actor, "manage_managers")
    async with db.write() as session:
        row = await managers.locked_assignment(session, assignment_id, version)
        await check_unchanged(session, assignment_id, fingerprint)
        order = await managers.order_of(session, row.order_id)
        person = await session.get(LicenseManager, row.manager_id)
        permissions = sort_codes(row.permissions or [])
        superseded = await outbox.supersede(session, manager_id=row.manager_id, order_id=order.id)
        await session.delete(row)
        snapshot = (
            managers.person_snapshot(person, permissions)
            if person
            else {"permissions": permissions}
        )
        audit.record(
            session,
            actor=actor,
            action="removed",
            entity=managers.ENTITY,
            entity_id=assignment_id,
            entity_version=row.version + 1,
            order_id=order.id,
            order_store_id=order.store_id,
            summary=(
                f"Removed license manager {snapshot.get('email', '?')} from the order"
                + (f" ({superseded} unsent email(s) cancelled)" if superseded else "")
            ),
            changes={"permissions": [permissions, None]},
            snapshot=snapshot,
        )


async def check_unchanged(session: AsyncSession, assignment_id: int, expected: str) -> None:
    """Inside the removing transaction: ``PreviewChanged`` unless the preview still holds."""
    now = await _preview(session, assignment_id)
    if now is not None and now.fingerprint != expected:
        raise PreviewChanged(
            ENTITY,
            now,
            f"Not removed: {now.email} changed after you were asked (permissions, invite or "
            "details); nothing was removed.",
        )


async def _preview(session: AsyncSession, assignment_id: int) -> ManagerRemoval | None:
    row = (
        await session.execute(
            select(
                OrderManager.id,
                OrderManager.version,
                OrderManager.permissions,
                OrderManager.order_id,
                Order.store_id,
                LicenseManager.id.label("person"),
                LicenseManager.version.label("person_version"),
                LicenseManager.email,
                LicenseManager.first_name,
                LicenseManager.last_name,
                LicenseManager.is_initial_password,
                LicenseManager.is_active,
            )
            .join(Order, Order.id == OrderManager.order_id)
            .join(LicenseManager, LicenseManager.id == OrderManager.manager_id)
            .where(OrderManager.id == assignment_id)
        )
    ).first()
    if row is None:
        return None
    unsent = (
        await session.execute(
            select(func.count(MailOutbox.id), func.max(MailOutbox.id)).where(
                MailOutbox.manager_id == row.person,
                MailOutbox.order_id == row.order_id,
                MailOutbox.status.in_(outbox.PENDING),
            )
        )
    ).one()
    preview = ManagerRemoval(
        assignment_id=row.id,
        version=row.version,
        store_id=row.store_id,
        email=row.email,
        name=f"{row.first_name or ''} {row.last_name or ''}".strip(),
        permissions=sort_codes(row.permissions or []),
        signed_in=not row.is_initial_password,
        unsent_mail=unsent[0] or 0,
    )
    facts = fingerprint(
        [
            preview.version,
            preview.store_id,
            preview.email,
            preview.name,
            preview.permissions,
            preview.signed_in,
            preview.unsent_mail,
        ],
        row.person,
        row.person_version,
        row.is_active,
        unsent[1],
    )
    return replace(preview, fingerprint=facts)
