"""Optimistic versions: lock the row a write changes, refuse it if it moved on, bump it.

Every service that changes a versioned row (order, customer, manager assignment) goes through
``lock_versioned`` (or ``check_version`` when it selects only some columns), so every conflict
reads the same: ``ConflictError`` built from the audit trail, naming who changed which fields and
when. The lock is ``SELECT … FOR UPDATE`` on PostgreSQL; SQLAlchemy leaves ``FOR UPDATE`` out on
SQLite, where ``db.write()``'s ``BEGIN IMMEDIATE`` already holds the write lock.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.types import utcnow
from orderview.services import audit
from orderview.services.errors import ConflictError, NotFound


class _Versioned(Protocol):
    id: Any
    version: Any


RowT = TypeVar("RowT", bound=_Versioned)


async def check_version(
    session: AsyncSession,
    row: RowT | None,
    *,
    entity: str,
    row_id: int,
    expected_version: int | None,
    label: str | None = None,
    missing: str | None = None,
) -> RowT:
    """``row`` (as just selected for update), or the error an operator should see instead.

    ``entity``/``row_id`` name the row in the audit trail; ``label`` names it in messages
    (default ``entity``). A missing row with audit events after ``expected_version`` was deleted
    by someone: ``ConflictError(deleted=True)``. Without such events it raises
    ``NotFound(missing)``, or with ``missing=None`` the deleted conflict all the same.
    ``expected_version=None`` skips the version comparison (the row need only exist).
    """
    name = label or entity
    if row is None:
        changes = await audit.changes_since(session, entity, row_id, expected_version or 0)
        if changes or missing is None:
            raise ConflictError(name, changes, deleted=True)
        raise NotFound(missing)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            name, await audit.changes_since(session, entity, row_id, expected_version)
        )
    return row


async def lock_versioned(
    session: AsyncSession,
    model: type[RowT],
    row_id: int,
    expected_version: int | None,
    *,
    entity: str,
    label: str | None = None,
    missing: str | None = None,
) -> RowT:
    """The ``model`` row with id ``row_id``, locked for this transaction and checked against
    ``expected_version`` (see ``check_version`` for what is raised instead)."""
    row = await session.scalar(select(model).where(model.id == row_id).with_for_update())
    return await check_version(
        session,
        row,
        entity=entity,
        row_id=row_id,
        expected_version=expected_version,
        label=label,
        missing=missing,
    )


def bump(row: Any) -> None:
    """A written row gets the next version and a fresh ``updated_at``."""
    row.version += 1
    row.updated_at = utcnow()
