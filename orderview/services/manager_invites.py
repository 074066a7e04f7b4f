"""Resend invite: a license manager's password reset by a new invite.

Its own module because it is the one manager write about the person's login rather than their
place on an order: it clears the password everywhere (every order the person is on), supersedes
every unsent invite of theirs, and queues a new one whose password the sender makes
(``orderview.mail.delivery`` with ``services/passwords.py``). Adding and editing managers are
``services/managers.py``, removing them ``services/removal.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import LicenseManager
from orderview.db.types import utcnow
from orderview.mail import composer, outbox
from orderview.permissions import sort_codes
from orderview.roles import require
from orderview.services import audit, managers
from orderview.services.errors import Change, ConflictError, NotFound
from orderview.settings import Settings


@dataclass(frozen=True, slots=True)
class ResendResult:
    manager_id: int
    outbox_id: int
    superseded: int


async def _person(session: AsyncSession, db: Database, manager_id: int) -> LicenseManager:
    query = select(LicenseManager).where(LicenseManager.id == manager_id)
    if db.dialect == "postgresql":
        query = query.with_for_update()
    person = (await session.scalars(query)).first()
    if person is None:
        raise NotFound("no such license manager")
    return person


async def resend_invite(
    db: Database,
    settings: Settings,
    assignment_id: int,
    *,
    version: int | None,
    actor: str,
    signed_in: bool | None = None,
) -> ResendResult:
    """A new invite (its password made when it is sent); the old password stops working at
    once. ``signed_in``: whether the confirmation said the manager had signed in; if that
    changed since, nothing is sent (``ConflictError``): the operator confirms what they saw."""
    require(actor, "resend_invite")
    try:
        return await _resend(db, settings, assignment_id, version, actor, signed_in)
    except DBAPIError as exc:
        raise managers.scrubbed(exc) from None


async def _resend(
    db: Database,
    settings: Settings,
    assignment_id: int,
    version: int | None,
    actor: str,
    signed_in: bool | None,
) -> ResendResult:
    async with db.write() as session:
        row = await managers.locked_assignment(session, assignment_id, version)
        order = await managers.order_of(session, row.order_id)
        person = await _person(session, db, row.manager_id)
        if signed_in is not None and signed_in == person.is_initial_password:
            raise ConflictError(
                "license manager",
                [
                    Change(
                        person.email,
                        person.updated_at,
                        "signed in" if not signed_in else "given a new initial password",
                    )
                ],
            )
        superseded = await outbox.supersede(
            session, manager_id=person.id, kinds=(composer.KIND_INVITE,)
        )
        now = utcnow()
        was_initial = person.is_initial_password
        had_password = person.password_hash is not None
        person.password_hash = None
        person.is_initial_password = True
        person.version += 1
        person.updated_at = now
        composed = composer.invite(
            email=person.email,
            first_name=person.first_name,
            password=composer.PASSWORD_AT_SENDING,
            portal_url=settings.portal_url,
            store_id=order.store_id,
            permissions=sort_codes(row.permissions or []),
        )
        message = outbox.enqueue(
            session,
            composed,
            to_address=person.email,
            order_id=order.id,
            manager_id=person.id,
            settings=settings,
            now=now,
        )
        await session.flush()
        audit.record(
            session,
            actor=actor,
            action="invite_resent",
            entity=managers.ENTITY,
            entity_id=row.id,
            entity_version=row.version,
            order_id=order.id,
            order_store_id=order.store_id,
            summary=(
                f"New invite queued for license manager {person.email} (password made when "
                "it is sent)"
                + (f" ({superseded} unsent invite(s) superseded)" if superseded else "")
            ),
            changes={
                "password": ["(set)" if had_password else None, None],
                "is_initial_password": [was_initial, True],
            },
        )
        return ResendResult(person.id, message.id, superseded)
