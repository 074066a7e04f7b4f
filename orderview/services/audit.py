"""Audit events: written inside the caller's transaction, read back as history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from orderview import logs
from orderview.db.engine import Database
from orderview.db.models import AuditEvent
from orderview.services.errors import Change
from orderview.services.normalize import unfindable
from orderview.services.views import AuditView, Page


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        key: [jsonable(old.get(key)), jsonable(value)]
        for key, value in new.items()
        if old.get(key) != value
    }


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    order_id: int | None = None,
    order_store_id: str | None = None,
    summary: str = "",
    changes: dict[str, list[Any]] | None = None,
    snapshot: dict[str, Any] | None = None,
    entity_version: int | None = None,
) -> AuditEvent:
    """Add one audit event to the session (committed with the write it describes)."""
    event = AuditEvent(
        operator=str(actor),
        operator_key=getattr(actor, "fingerprint", None),
        operator_address=getattr(actor, "address", None),
        action=action,
        entity=entity,
        entity_id=entity_id,
        entity_version=entity_version,
        order_id=order_id,
        order_store_id=order_store_id,
        summary=summary,
        changes=jsonable(changes) if changes else None,
        snapshot=jsonable(snapshot) if snapshot else None,
    )
    session.add(event)
    # For the log file, once the write is committed (a rolled-back write never happened).
    session.info.setdefault(_LOG_KEY, []).append(
        (actor, action, entity, entity_id, order_store_id, summary)
    )
    return event


_LOG_KEY = "orderview.audit_log"


@event.listens_for(Session, "after_commit")
def _log_committed(session: Session) -> None:
    for actor, action, entity, entity_id, store_id, summary in session.info.pop(_LOG_KEY, ()):
        logs.log.info(
            "write by %s: %s %s %s order %s: %s",
            logs.flat(actor),
            action,
            entity,
            entity_id,
            logs.flat(store_id),
            logs.flat(summary),
        )


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_LOG_KEY, None)


async def changes_since(
    session: AsyncSession, entity: str, entity_id: int, version: int
) -> list[Change]:
    """Who changed ``entity`` after ``version`` (for conflict messages)."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id == entity_id,
            AuditEvent.entity_version > version,
        )
        .order_by(AuditEvent.id)
    )
    return [Change(e.operator, e.at, e.action, sorted((e.changes or {}).keys())) for e in rows]


# A row-to-view mapping like orders.customer_view's: one field per line, nothing to share.
def _view(e: AuditEvent) -> AuditView:
    return AuditView(
        id=e.id,
        at=e.at,
        operator=e.operator,
        operator_key=e.operator_key,
        operator_address=e.operator_address,
        action=e.action,
        entity=e.entity,
        entity_id=e.entity_id,
        order_id=e.order_id,
        order_store_id=e.order_store_id,
        summary=e.summary,
        changes=e.changes or {},
        snapshot=e.snapshot,
    )


event_view = _view  # the read model of one event (services/licenses.py builds history too)


async def order_history(
    db: Database, order_id: int, before_id: int | None = None, limit: int = 50
) -> Page[AuditView]:
    """An order's audit events, newest first, keyset-paged by id."""
    query = select(AuditEvent).where(AuditEvent.order_id == order_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    query = query.order_by(AuditEvent.id.desc()).limit(limit + 1)
    async with db.sessions() as session:
        rows = list(await session.scalars(query))
    return Page([_view(e) for e in rows[:limit]], has_more=len(rows) > limit)


async def order_id_for_store_id(db: Database, store_id: str) -> int | None:
    """The order id that audit events recorded for an Order ID (finds deleted orders too);
    Order IDs ignore case, as everywhere (the exact spelling first)."""
    if unfindable(store_id, db.dialect):
        return None
    async with db.sessions() as session:
        for match in (
            AuditEvent.order_store_id == store_id,
            func.lower(AuditEvent.order_store_id) == store_id.strip().lower(),
        ):
            found = await session.scalar(
                select(AuditEvent.order_id)
                .where(match, AuditEvent.order_id.is_not(None))
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
            if found is not None:
                return found
        return None
