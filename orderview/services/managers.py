"""License managers on an order: add (new person or existing) and edit their permissions.

Removing one is ``services/removal.py`` (with the preview its confirmation shows), a new
invite ``services/manager_invites.py``, passwords ``services/passwords.py``; the row helpers
they share (``order_of``, ``locked_assignment``, ``person_snapshot``, ``scrubbed``) live here.

Decisions (see shared/domain.md, License managers, and docs/managers.md):
- A person is one ``license_managers`` row per email (case-insensitive, ``email_lc``); rights
  live on the ``order_managers`` assignment, so one person can hold different rights per order.
- No password is made here. An invite is queued in the same transaction as what it announces;
  the sender (``orderview.mail.delivery``) composes it from what is true when it is sent and
  makes the initial password then (only its argon2 hash is stored). Until then nobody holds a
  password, so none exists: not in the outbox, not on the person.
- Existing person: attached with the permissions chosen here; their names, phone and password are
  untouched. With "send invite" they get an "added to order" notice without a password -- their
  own still works -- when they have signed in, or an invite carrying a password is on its way
  or was delivered; otherwise (never invited, or the invite was given up on or expired) a real
  invite.
- Resend: the current password stops working at once (its hash is cleared), every unsent
  invite of that person (on any order) is superseded, and a new invite is queued.
- Remove: the assignment goes, the person stays; unsent mail about this order is superseded.
- Plan: on the standard plan the distribution permissions (``DISTRIBUTION_CODES``) can be
  neither granted nor revoked -- "cannot be changed" -- whoever calls; enterprise allows both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import LicenseManager, MailOutbox, Order, OrderManager
from orderview.db.types import utcnow
from orderview.mail import composer, outbox
from orderview.permissions import DISTRIBUTION_CODES, PERMISSION_BY_CODE, sort_codes
from orderview.roles import require
from orderview.schemas.managers import ManagerInput, parse_manager, parse_permissions
from orderview.services import audit
from orderview.services.errors import (
    DatabaseUnavailable,
    FieldErrors,
    NotFound,
    PermissionDenied,
)
from orderview.services.normalize import lc
from orderview.services.versioning import bump, lock_versioned
from orderview.settings import Settings

ENTITY = "order_manager"


def check_distribution(actor: str, old: list[str], new: list[str]) -> None:
    """Granting or taking away a distribution permission is an admin's decision."""
    if (set(old) ^ set(new)) & DISTRIBUTION_CODES:
        require(actor, "grant_distribution")


def check_plan(plan: str, old: list[str], new: list[str]) -> None:
    """Refuse any change to distribution permissions unless the plan is enterprise."""
    if plan == "enterprise":
        return
    changed = (set(old) ^ set(new)) & DISTRIBUTION_CODES
    if changed:
        labels = ", ".join(PERMISSION_BY_CODE[c].label for c in sort_codes(changed))
        raise PermissionDenied(
            f"{labels}: distribution permissions can be changed only on the enterprise plan "
            f"(this account is on the {plan} plan)"
        )


@dataclass(frozen=True, slots=True)
class AddResult:
    assignment_id: int
    manager_id: int
    linked_existing: bool  # an existing person was attached (no new password)
    mail_kind: str | None  # manager_invite | manager_added | None (no mail)


async def order_of(session: AsyncSession, order_id: int) -> Order:
    """The assignment's order (gone: ``NotFound``)."""
    order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("no such order (it may have been deleted)")
    return order


async def locked_assignment(
    session: AsyncSession, assignment_id: int, version: int | None
) -> OrderManager:
    """The assignment, locked, checked against the version the caller loaded (gone: deleted)."""
    return await lock_versioned(
        session,
        OrderManager,
        assignment_id,
        version,
        entity=ENTITY,
        label="license manager assignment",
    )


async def _password_on_its_way(session: AsyncSession, manager_id: int) -> bool:
    """Whether an invite was delivered to the person or is still being tried (queued, or
    failed with attempts left): they have, or will have, a password."""
    found = await session.scalar(
        select(MailOutbox.id)
        .where(
            MailOutbox.manager_id == manager_id,
            MailOutbox.kind == composer.KIND_INVITE,
            or_(
                MailOutbox.status == "sent",
                and_(
                    MailOutbox.status.in_(outbox.PENDING), MailOutbox.attempts < outbox.MAX_ATTEMPTS
                ),
            ),
        )
        .limit(1)
    )
    return found is not None


def person_snapshot(person: LicenseManager, permissions: list[str]) -> dict[str, Any]:
    """The person and their rights on one order, as an audit event's snapshot."""
    return {
        "manager_id": person.id,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone_number": person.phone_number,
        "permissions": permissions,
    }


async def add_manager(
    db: Database,
    settings: Settings,
    order_id: int,
    data: ManagerInput | dict[str, Any],
    *,
    actor: str,
) -> AddResult:
    """Attach a manager (new or existing person) to an order, queueing their mail."""
    require(actor, "manage_managers")
    form = parse_manager(data)
    check_plan(settings.plan, [], form.permissions)
    check_distribution(actor, [], form.permissions)
    try:
        try:
            return await _add(db, settings, order_id, form, actor)
        except IntegrityError:
            # Someone added the same email (or assignment) at this very moment: once more,
            # which now finds the person (or reports the duplicate assignment).
            return await _add(db, settings, order_id, form, actor)
    except DBAPIError as exc:
        raise scrubbed(exc) from None


def scrubbed(exc: DBAPIError) -> DatabaseUnavailable:
    """A database error without its SQL parameters (personal data; exceptions end up in logs
    and on screens)."""
    return DatabaseUnavailable(
        f"the database refused the change ({type(exc.orig).__name__}); nothing was saved"
    )


async def _needs_invite(session: AsyncSession, person: LicenseManager) -> bool:
    """A real invite only for someone who has no usable password and none on its way: never
    signed in, and never invited (or the invite was given up on or expired). Anyone else gets
    the "added to order" notice; their login is never reset by adding them to an order."""
    if not person.is_initial_password:
        return False  # signed in: their own password works
    return not await _password_on_its_way(session, person.id)


async def _add(
    db: Database,
    settings: Settings,
    order_id: int,
    form: ManagerInput,
    actor: str,
) -> AddResult:
    async with db.write() as session:
        order = await order_of(session, order_id)
        query = select(LicenseManager).where(LicenseManager.email_lc == lc(form.email))
        if db.dialect == "postgresql":
            query = query.with_for_update()
        person = (await session.scalars(query)).first()
        linked = person is not None
        now = utcnow()
        invite_password = False
        if person is None:
            person = LicenseManager(
                email=form.email,
                email_lc=lc(form.email),
                first_name=form.first_name,
                last_name=form.last_name,
                phone_number=form.phone_number,
                password_hash=None,
                is_initial_password=True,
                is_active=True,
                created_at=now,
                updated_at=now,
                version=1,
            )
            session.add(person)
            await session.flush()
            invite_password = form.send_invite
        else:
            taken = await session.scalar(
                select(OrderManager.id).where(
                    OrderManager.order_id == order.id, OrderManager.manager_id == person.id
                )
            )
            if taken is not None:
                raise FieldErrors({"email": "is already a license manager of this order"})
            invite_password = form.send_invite and await _needs_invite(session, person)
        assignment = OrderManager(
            order_id=order.id,
            manager_id=person.id,
            permissions=form.permissions,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(assignment)
        await session.flush()
        mail_kind = None
        if form.send_invite:
            if invite_password:
                composed = composer.invite(
                    email=person.email,
                    first_name=person.first_name,
                    password=composer.PASSWORD_AT_SENDING,
                    portal_url=settings.portal_url,
                    store_id=order.store_id,
                    permissions=form.permissions,
                )
            else:
                composed = composer.added_notice(
                    email=person.email,
                    first_name=person.first_name,
                    portal_url=settings.portal_url,
                    store_id=order.store_id,
                    permissions=form.permissions,
                )
            outbox.enqueue(
                session,
                composed,
                to_address=person.email,
                order_id=order.id,
                manager_id=person.id,
                settings=settings,
                now=now,
            )
            mail_kind = composed.kind
        snapshot = person_snapshot(person, form.permissions)
        mail_note = {
            composer.KIND_INVITE: "invite queued",
            composer.KIND_ADDED: "added-to-order notice queued",
            None: "no email",
        }[mail_kind]
        audit.record(
            session,
            actor=actor,
            action="linked" if linked else "created",
            entity=ENTITY,
            entity_id=assignment.id,
            entity_version=1,
            order_id=order.id,
            order_store_id=order.store_id,
            summary=(
                f"{'Attached existing' if linked else 'Added new'} license manager "
                f"{person.email} ({mail_note})"
            ),
            changes={"email": [None, person.email], "permissions": [None, form.permissions]},
            snapshot={**snapshot, "mail": mail_kind, "new_person": not linked},
        )
        return AddResult(assignment.id, person.id, linked, mail_kind)


async def update_permissions(
    db: Database,
    settings: Settings,
    assignment_id: int,
    permissions: list[str],
    *,
    version: int,
    actor: str,
) -> int:
    """Replace the permissions held on one order; returns the assignment's new version."""
    require(actor, "manage_managers")
    wanted = parse_permissions(permissions)
    async with db.write() as session:
        row = await locked_assignment(session, assignment_id, version)
        old = sort_codes(row.permissions or [])
        check_plan(settings.plan, old, wanted)
        check_distribution(actor, old, wanted)
        if old == wanted:
            return row.version
        order = await order_of(session, row.order_id)
        person = await session.get(LicenseManager, row.manager_id)
        row.permissions = wanted
        bump(row)
        audit.record(
            session,
            actor=actor,
            action="updated",
            entity=ENTITY,
            entity_id=row.id,
            entity_version=row.version,
            order_id=order.id,
            order_store_id=order.store_id,
            summary=f"Changed permissions of license manager {person.email if person else '?'}",
            changes=audit.diff({"permissions": old}, {"permissions": wanted}),
        )
        return row.version
