"""Sending the outbox: one message per claim, composed from what is true when it is sent.

Exactly once: a sender claims one due message at a time. The claim moves the message's next
attempt a lease ahead inside a write transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) and the delivery is cut off at ``SEND_SHARE`` of that lease, so
no other sender can take the message while it is on its way; only pending messages are ever
claimed, so a sent one is never sent again. (A batch claimed under one lease was the fault:
its tail expired while the head was still being sent, and a second sender sent it again.)

What is true when it is sent: the subject and body are composed in the claim's transaction
from the manager, the assignment and the order as they are then (permissions ticked after the
invite was queued are in it). An invite's initial password is made at that moment: its
argon2 hash is stored on the manager in the claim's transaction (audited), the password
itself exists only in memory and in the message that goes out; the stored body shows where it
was. A person who has signed in meanwhile gets the "added to order" notice instead: their
login is never reset by a mail.

Invites expire ``invite_expiry_hours`` after they could first be sent (``expires_at``): the
sweep marks them ``expired``, and forgets an initial password nobody can have received.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview import logs
from orderview.db.engine import Database
from orderview.db.models import LicenseManager, MailOutbox, Order, OrderManager
from orderview.identity import resolve_operator
from orderview.mail import composer, outbox
from orderview.mail.outbox import (
    MAX_ATTEMPTS,
    PENDING,
    SCRUBBED,
    Claimed,
    DeliveryResult,
    Sender,
    due_clause,
    expiry,
    now_utc,
    record_attempt,
)
from orderview.mail.smtp import failure_reason, mail_configured, send
from orderview.permissions import sort_codes
from orderview.services import audit
from orderview.services.managers import ENTITY
from orderview.services.passwords import hash_password, new_password
from orderview.settings import Settings

SEND_SHARE = 0.75  # a delivery is cut off at this share of its claim's lease
DEFAULT_LIMIT = 20  # messages per run; the background sender runs again at once when due


@dataclass(frozen=True, slots=True)
class _Secret:
    password: str
    password_hash: str


def send_budget(settings: Settings) -> float:
    """Seconds one delivery may take (connect to the server's last reply)."""
    return outbox.lease(settings).total_seconds() * SEND_SHARE


async def _peek(db: Database, at: datetime, passed: set[int]) -> tuple[int, str, int | None] | None:
    """The next due message not ``passed`` over in this run (a plain read: an idle poll takes
    no write lock)."""
    query = select(MailOutbox.id, MailOutbox.kind, MailOutbox.manager_id).where(*due_clause(at))
    if passed:
        query = query.where(MailOutbox.id.not_in(passed))
    async with db.sessions() as session:
        row = (
            await session.execute(
                query.order_by(MailOutbox.next_attempt_at, MailOutbox.id).limit(1)
            )
        ).first()
        return (row.id, row.kind, row.manager_id) if row else None


async def _lock_people(
    session: AsyncSession, db: Database, ids: list[int | None]
) -> dict[int | None, LicenseManager]:
    """The people, locked before their outbox rows: the order the managers service takes them
    in (person, then their mail), so a sender and a resend never wait on each other in a
    circle on PostgreSQL."""
    query = (
        select(LicenseManager)
        .where(LicenseManager.id.in_([i for i in ids if i is not None]))
        .order_by(LicenseManager.id)
    )
    if db.dialect == "postgresql":
        query = query.with_for_update()
    return {p.id: p for p in await session.scalars(query)}


async def _claim(
    db: Database,
    settings: Settings,
    peeked: tuple[int, str, int | None],
    at: datetime,
    secret: _Secret | None,
    actor: str,
) -> Claimed | DeliveryResult | None:
    """Claim one message and compose it. None: another sender has it; a ``DeliveryResult``:
    what it announced is gone, so it was superseded instead."""
    outbox_id, _kind, manager_id = peeked
    async with db.write() as session:
        people = await _lock_people(session, db, [manager_id])
        query = select(MailOutbox).where(MailOutbox.id == outbox_id, *due_clause(at))
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = (await session.scalars(query)).first()
        if row is None or (row.kind == composer.KIND_INVITE and secret is None):
            return None  # taken by another sender (or not what was peeked: the next run)
        row.next_attempt_at = at + outbox.lease(settings)
        if row.expires_at is None and row.kind == composer.KIND_INVITE:
            row.expires_at = at + expiry(settings)  # its clock starts: it can be sent now
        order = await session.get(Order, row.order_id) if row.order_id is not None else None
        person = people.get(row.manager_id) if row.manager_id == manager_id else None
        assignment = await session.scalar(
            select(OrderManager).where(
                OrderManager.order_id == row.order_id, OrderManager.manager_id == row.manager_id
            )
        )
        if order is None or person is None or assignment is None:
            row.status, row.body = "superseded", SCRUBBED
            return DeliveryResult(
                row.id, row.to_address, False, row.status, "nothing left to announce", row.order_id
            )
        permissions = sort_codes(assignment.permissions or [])
        common: dict[str, Any] = {
            "email": person.email,
            "first_name": person.first_name,
            "portal_url": settings.portal_url,
            "store_id": order.store_id,
            "permissions": permissions,
        }
        if secret is not None and row.kind == composer.KIND_INVITE and person.is_initial_password:
            sent = composer.invite(password=secret.password, **common)
            stored = composer.invite(password=composer.PASSWORD_NOT_STORED, **common)
            person.password_hash = secret.password_hash
            person.version += 1
            person.updated_at = at
            audit.record(
                session,
                actor=actor,
                action="invite_sending",
                entity=ENTITY,
                entity_id=assignment.id,
                entity_version=assignment.version,
                order_id=order.id,
                order_store_id=order.store_id,
                summary=f"New initial password made for the invite to {person.email} "
                "(being sent now)",
                changes={"password": ["(none or earlier)", "(new initial password)"]},
            )
        else:  # a notice, or an invite to someone who has signed in since: never a reset
            sent = stored = composer.added_notice(**common)
        row.kind, row.subject, row.body = sent.kind, sent.subject, stored.body
        return Claimed(
            row.id, row.to_address, sent.subject, sent.body, row.order_id, row.manager_id
        )


async def expire_due(
    db: Database, settings: Settings, at: datetime, actor: str
) -> list[DeliveryResult]:
    """Mark undelivered invites past their ``expires_at`` expired (audited); an initial
    password nobody received is forgotten (the manager's hash cleared)."""
    due = (
        MailOutbox.status.in_(PENDING),
        MailOutbox.attempts < MAX_ATTEMPTS,
        MailOutbox.kind == composer.KIND_INVITE,
        MailOutbox.expires_at.is_not(None),
        MailOutbox.expires_at <= at,
    )
    async with db.sessions() as session:
        if await session.scalar(select(MailOutbox.id).where(*due).limit(1)) is None:
            return []
    results = []
    reason = f"not delivered within {settings.invite_expiry_hours:g} h"
    async with db.write() as session:
        people = await _lock_people(
            session,
            db,
            list(await session.scalars(select(MailOutbox.manager_id).where(*due).distinct())),
        )
        query = select(MailOutbox).where(*due).order_by(MailOutbox.id)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in list(await session.scalars(query)):
            row.status, row.body, row.last_error = "expired", SCRUBBED, reason
            forgot = await _forget_password(session, people.get(row.manager_id), at)
            order = await session.get(Order, row.order_id) if row.order_id is not None else None
            assignment_id = await session.scalar(
                select(OrderManager.id).where(
                    OrderManager.order_id == row.order_id, OrderManager.manager_id == row.manager_id
                )
            )
            audit.record(
                session,
                actor=actor,
                action="invite_expired",
                entity=ENTITY,
                entity_id=assignment_id,
                order_id=row.order_id,
                order_store_id=order.store_id if order else None,
                summary=f"Invite to {row.to_address} expired ({reason}); r resends",
                changes={"invite": ["pending", "expired"]}
                | ({"password": ["(initial password)", None]} if forgot else {}),
            )
            results.append(
                DeliveryResult(row.id, row.to_address, False, "expired", reason, row.order_id)
            )
    return results


async def _forget_password(
    session: AsyncSession, person: LicenseManager | None, at: datetime
) -> bool:
    """Clear the initial password of the invite's person unless an invite carrying one was
    delivered to them (then it may be in use)."""
    if person is None or not person.is_initial_password or person.password_hash is None:
        return False
    delivered = await session.scalar(
        select(MailOutbox.id)
        .where(
            MailOutbox.manager_id == person.id,
            MailOutbox.kind == composer.KIND_INVITE,
            MailOutbox.status == "sent",
        )
        .limit(1)
    )
    if delivered is not None:
        return False
    person.password_hash = None
    person.version += 1
    person.updated_at = at
    return True


async def _deliver(
    db: Database, settings: Settings, claimed: Claimed, sender: Sender, now: datetime | None
) -> DeliveryResult:
    try:
        message = composer.build_message(
            settings.mail_from, claimed.to_address, claimed.subject, claimed.body
        )
        async with asyncio.timeout(send_budget(settings)):
            await sender(settings, message)
    except Exception as exc:  # any failure is recorded and retried, never raised
        error = failure_reason(exc)
        if isinstance(exc, TimeoutError) and not str(exc):
            error = f"timed out (no answer within {send_budget(settings):g} s)"
        status = await record_attempt(db, claimed.id, False, error, now)
        return DeliveryResult(
            claimed.id, claimed.to_address, False, status, error, claimed.order_id
        )
    status = await record_attempt(db, claimed.id, True, now=now)
    return DeliveryResult(claimed.id, claimed.to_address, True, status, order_id=claimed.order_id)


async def deliver_due(
    db: Database,
    settings: Settings,
    now: datetime | None = None,
    sender: Sender = send,
    *,
    actor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[DeliveryResult]:
    """Expire what is too old, then send up to ``limit`` due messages, one claim each. With no
    mail server configured nothing is claimed (and no password made): invites wait."""
    if not mail_configured(settings):
        return []
    who = actor or resolve_operator(None, settings.operator)
    results = await expire_due(db, settings, now or now_utc(), who)
    passed: set[int] = set()  # each message once per run (also one another sender took)
    for _ in range(limit):
        at = now or now_utc()
        peeked = await _peek(db, at, passed)
        if peeked is None:
            break
        passed.add(peeked[0])
        secret = None
        if peeked[1] == composer.KIND_INVITE:  # argon2 before the write transaction opens
            password = new_password()
            secret = _Secret(password, await hash_password(password))
        claimed = await _claim(db, settings, peeked, at, secret, who)
        if isinstance(claimed, Claimed):
            results.append(await _deliver(db, settings, claimed, sender, now))
        elif claimed is not None:
            results.append(claimed)
    for result in results:  # the log file (orderview.logs): every delivery and its outcome
        outcome = "sent" if result.ok else f"{result.status} ({result.error})"
        logs.log.info(
            "mail %s to %s: %s", result.id, logs.flat(result.to_address), logs.flat(outcome)
        )
    return results
