"""The mail outbox: enqueue inside a write, list, record attempts (sending: ``delivery``).

Statuses: ``queued`` (never tried, or waiting for a mail server), ``sent``, ``failed`` (the last
attempt failed; retried on the backoff schedule until ``MAX_ATTEMPTS``), ``superseded`` (a newer
invite replaced it, or what it announced went away; never sent), ``expired`` (an invite not
delivered within ``invite_expiry_hours``). A body never holds a password: an invite's password
is made when it is sent and exists only in the message that goes out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database, rows_changed
from orderview.db.models import MailAttempt, MailOutbox
from orderview.mail import mail_configured
from orderview.mail.composer import Composed
from orderview.settings import Settings

BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
HOURLY = timedelta(hours=1)
MAX_ATTEMPTS = 12  # 30 s, 2 m, 10 m, 30 m, then hourly: about 8 hours of trying
SCRUBBED = "(removed: this message will not be sent)"
PENDING = ("queued", "failed")
STATUSES = ("queued", "sent", "failed", "superseded", "expired")

Sender = Callable[[Settings, EmailMessage], Awaitable[None]]


def now_utc() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed attempts (1-based)."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else HOURLY


def lease(settings: Settings) -> timedelta:
    """How long a claimed message stays invisible to other senders: one message per claim,
    and its delivery is cut off well inside the lease (``delivery.send_budget``)."""
    return timedelta(seconds=max(60.0, settings.smtp_timeout * 3))


@dataclass(frozen=True, slots=True)
class OutboxView:
    """An outbox row without its body (which may hold a password)."""

    id: int
    kind: str
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    order_id: int | None
    manager_id: int | None

    @property
    def gave_up(self) -> bool:
        return self.status == "failed" and self.attempts >= MAX_ATTEMPTS


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    to_address: str
    subject: str
    body: str
    order_id: int | None = None
    manager_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    id: int
    to_address: str
    ok: bool
    status: str
    error: str = ""
    order_id: int | None = None


def expiry(settings: Settings) -> timedelta:
    return timedelta(hours=settings.invite_expiry_hours)


def enqueue(
    session: AsyncSession,
    composed: Composed,
    *,
    to_address: str,
    order_id: int | None,
    manager_id: int | None,
    settings: Settings,
    now: datetime | None = None,
) -> MailOutbox:
    """Add a message to the caller's transaction (it commits with what it announces). The
    body is a preview: the sender composes the message again from what is true then. An invite
    queued where a mail server is configured starts its expiry clock now; one queued without
    starts it when a sender first claims it."""
    at = now or now_utc()
    expires = at + expiry(settings) if mail_configured(settings) else None
    row = MailOutbox(
        kind=composed.kind,
        to_address=to_address,
        subject=composed.subject,
        body=composed.body,
        status="queued",
        attempts=0,
        last_error="",
        created_at=at,
        next_attempt_at=at,
        order_id=order_id,
        manager_id=manager_id,
        expires_at=expires,
    )
    session.add(row)
    return row


async def supersede(
    session: AsyncSession,
    *,
    manager_id: int | None,
    order_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
) -> int:
    """Mark unsent messages superseded (and scrub them); returns how many.

    ``manager_id=None`` with an ``order_id`` means every unsent message about that order (the
    order is being deleted: nobody should be invited to manage what no longer exists).
    """
    if manager_id is None and order_id is None:
        raise ValueError("supersede needs a manager, an order, or both")
    query = (
        update(MailOutbox)
        .where(MailOutbox.status.in_(PENDING))
        .values(status="superseded", body=SCRUBBED)
    )
    if manager_id is not None:
        query = query.where(MailOutbox.manager_id == manager_id)
    if order_id is not None:
        query = query.where(MailOutbox.order_id == order_id)
    if kinds is not None:
        query = query.where(MailOutbox.kind.in_(kinds))
    result = await session.execute(query.execution_options(synchronize_session=False))
    return rows_changed(result)


def _view(row: MailOutbox) -> OutboxView:
    return OutboxView(
        id=row.id,
        kind=row.kind,
        to_address=row.to_address,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        order_id=row.order_id,
        manager_id=row.manager_id,
    )


async def list_outbox(
    db: Database,
    statuses: tuple[str, ...] | None = None,
    limit: int = 200,
    order_id: int | None = None,
) -> list[OutboxView]:
    """Newest first (only one order's mail with ``order_id``); the body is never loaded."""
    query = select(MailOutbox).order_by(MailOutbox.id.desc()).limit(limit)
    if statuses:
        query = query.where(MailOutbox.status.in_(statuses))
    if order_id is not None:
        query = query.where(MailOutbox.order_id == order_id)
    async with db.sessions() as session:
        return [_view(row) for row in await session.scalars(query)]


async def count_pending(db: Database) -> int:
    async with db.sessions() as session:
        return (
            await session.scalar(
                select(func.count(MailOutbox.id)).where(
                    MailOutbox.status.in_(PENDING), MailOutbox.attempts < MAX_ATTEMPTS
                )
            )
            or 0
        )


def due_clause(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        MailOutbox.status.in_(PENDING),
        MailOutbox.attempts < MAX_ATTEMPTS,
        MailOutbox.next_attempt_at <= now,
    )


async def next_due_at(db: Database) -> datetime | None:
    """When the earliest pending message becomes due (None: nothing pending)."""
    async with db.sessions() as session:
        return await session.scalar(
            select(func.min(MailOutbox.next_attempt_at)).where(
                MailOutbox.status.in_(PENDING), MailOutbox.attempts < MAX_ATTEMPTS
            )
        )


async def record_attempt(
    db: Database, outbox_id: int, ok: bool, error: str = "", now: datetime | None = None
) -> str:
    """Write the attempt and the message's new status; returns that status."""
    at = now or now_utc()
    async with db.write() as session:
        query = select(MailOutbox).where(MailOutbox.id == outbox_id)
        if db.dialect == "postgresql":
            query = query.with_for_update()
        row = (await session.scalars(query)).first()
        if row is None:
            return "gone"
        session.add(MailAttempt(outbox_id=row.id, at=at, ok=ok, error="" if ok else error))
        row.attempts += 1
        if row.status not in PENDING:  # superseded or expired while we were sending: so be it
            return row.status
        if ok:  # the stored body is the message as sent, with its password left out
            row.status, row.sent_at, row.last_error = "sent", at, ""
        else:
            row.status, row.last_error = "failed", error
            row.next_attempt_at = at + backoff(row.attempts)
        return row.status


async def attempts_of(db: Database, outbox_id: int) -> list[tuple[datetime, bool, str]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(MailAttempt.at, MailAttempt.ok, MailAttempt.error)
            .where(MailAttempt.outbox_id == outbox_id)
            .order_by(MailAttempt.id)
        )
        return [(r.at, r.ok, r.error) for r in rows]
