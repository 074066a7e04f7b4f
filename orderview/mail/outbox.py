"""The mail outbox: enqueue inside a write, claim due messages, record attempts, deliver.

Statuses: ``queued`` (never tried, or waiting for a mail server), ``sent``, ``failed`` (the last
attempt failed; retried on the backoff schedule until ``MAX_ATTEMPTS``), ``superseded`` (a newer
invite replaced it; never sent). Once a message is sent, given up on or superseded its body is
scrubbed: it may hold an initial password.

Several senders may run at once (two operators' apps, a cron'd ``orderview outbox send``):
claiming a message pushes its ``next_attempt_at`` forward by a lease inside a write transaction
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so only one of them
sends it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderview import logs
from orderview.db.engine import Database
from orderview.db.models import MailAttempt, MailOutbox
from orderview.mail.composer import Composed, build_message
from orderview.mail.smtp import failure_reason, mail_configured, send
from orderview.settings import Settings

BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
HOURLY = timedelta(hours=1)
MAX_ATTEMPTS = 12  # 30 s, 2 m, 10 m, 30 m, then hourly: about 8 hours of trying
CLAIM_BATCH = 20
SCRUBBED = "(removed: this message held an initial password)"
PENDING = ("queued", "failed")

Sender = Callable[[Settings, EmailMessage], Awaitable[None]]


def now_utc() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed attempts (1-based)."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else HOURLY


def lease(settings: Settings) -> timedelta:
    """How long a claimed message stays invisible to other senders."""
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


def enqueue(
    session: AsyncSession, composed: Composed, *, to_address: str, order_id: int | None,
    manager_id: int | None, now: datetime | None = None,
) -> MailOutbox:
    """Add a message to the caller's transaction (it commits with what it announces)."""
    at = now or now_utc()
    row = MailOutbox(
        kind=composed.kind, to_address=to_address, subject=composed.subject,
        body=composed.body, status="queued", attempts=0, last_error="", created_at=at,
        next_attempt_at=at, order_id=order_id, manager_id=manager_id,
    )
    session.add(row)
    return row


async def supersede(
    session: AsyncSession, *, manager_id: int | None, order_id: int | None = None,
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
    return result.rowcount or 0  # type: ignore[attr-defined]


def _view(row: MailOutbox) -> OutboxView:
    return OutboxView(
        id=row.id, kind=row.kind, to_address=row.to_address, subject=row.subject,
        status=row.status, attempts=row.attempts, last_error=row.last_error,
        created_at=row.created_at, next_attempt_at=row.next_attempt_at, sent_at=row.sent_at,
        order_id=row.order_id, manager_id=row.manager_id,
    )


async def list_outbox(
    db: Database, statuses: tuple[str, ...] | None = None, limit: int = 200
) -> list[OutboxView]:
    """Newest first; the body is never loaded."""
    query = select(MailOutbox).order_by(MailOutbox.id.desc()).limit(limit)
    if statuses:
        query = query.where(MailOutbox.status.in_(statuses))
    async with db.sessions() as session:
        return [_view(row) for row in await session.scalars(query)]


async def count_pending(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(
            select(func.count(MailOutbox.id)).where(
                MailOutbox.status.in_(PENDING), MailOutbox.attempts < MAX_ATTEMPTS
            )
        ) or 0


def _due(now: datetime):  # type: ignore[no-untyped-def]
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


async def claim_due(
    db: Database, settings: Settings, now: datetime | None = None, limit: int = CLAIM_BATCH
) -> list[Claimed]:
    """Take due messages for sending: their next attempt moves a lease ahead, so no other
    sender picks them up meanwhile."""
    at = now or now_utc()
    async with db.sessions() as session:  # a cheap read first: idle polls take no write lock
        if await session.scalar(select(MailOutbox.id).where(*_due(at)).limit(1)) is None:
            return []
    async with db.write() as session:
        query = (
            select(MailOutbox).where(*_due(at)).order_by(MailOutbox.next_attempt_at,
                                                         MailOutbox.id).limit(limit)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.scalars(query))
        for row in rows:
            row.next_attempt_at = at + lease(settings)
        return [Claimed(r.id, r.to_address, r.subject, r.body, r.order_id, r.manager_id)
                for r in rows]


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
        if row.status == "superseded":  # replaced while we were sending: leave it so
            return row.status
        if ok:
            row.status, row.sent_at, row.last_error, row.body = "sent", at, "", SCRUBBED
        else:
            row.status, row.last_error = "failed", error
            row.next_attempt_at = at + backoff(row.attempts)
            if row.attempts >= MAX_ATTEMPTS:
                row.body = SCRUBBED  # given up: the operator resends with a new password
        return row.status


async def deliver_due(
    db: Database, settings: Settings, now: datetime | None = None, sender: Sender = send,
) -> list[DeliveryResult]:
    """Send every due message once. With no mail server configured nothing is claimed, so
    invites stay ``queued`` (and say why on the tab)."""
    if not mail_configured(settings):
        return []
    results = []
    for claimed in await claim_due(db, settings, now):
        try:
            message = build_message(settings.mail_from, claimed.to_address, claimed.subject,
                                    claimed.body)
            await sender(settings, message)
        except Exception as exc:  # any failure is recorded and retried, never raised
            error = failure_reason(exc)
            status = await record_attempt(db, claimed.id, False, error, now)
            results.append(DeliveryResult(claimed.id, claimed.to_address, False, status, error,
                                          claimed.order_id))
        else:
            status = await record_attempt(db, claimed.id, True, now=now)
            results.append(DeliveryResult(claimed.id, claimed.to_address, True, status,
                                          order_id=claimed.order_id))
    for result in results:
        outcome = "sent" if result.ok else f"failed ({result.error}), now {result.status}"
        logs.log.info("mail %s to %s: %s", result.id, logs.flat(result.to_address),
                      logs.flat(outcome))
    return results


async def attempts_of(db: Database, outbox_id: int) -> list[tuple[datetime, bool, str]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(MailAttempt.at, MailAttempt.ok, MailAttempt.error)
            .where(MailAttempt.outbox_id == outbox_id)
            .order_by(MailAttempt.id)
        )
        return [(r.at, r.ok, r.error) for r in rows]
