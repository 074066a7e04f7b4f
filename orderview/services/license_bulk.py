"""Disable, enable or extend many licenses of one order at once, after a dry run.

``bulk_preview`` is the dry run: how many licenses are selected, how many the action would
change (disabling an already disabled license changes nothing; extending needs a validity end),
a sample of their keys, and a fingerprint of every selected license's id and version.
``bulk_apply`` takes the fingerprint back and, in one transaction, recomputes it (rows locked on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite): if any selected license changed, went or (for "all
that match") started or stopped matching since the preview was shown, nothing is done and
``PreviewChanged`` carries the new preview. Otherwise each changed license gets its version
bumped, and the order gets one audit event with the count, a sample of keys and what changed.

Extending moves a license's validity end (``validity_period``): by a duration (a month is 30 days,
a year 365, as issuing counts) or to a date, validated by issuing's parsers; licenses without an
end (perpetual, or counted from activation) are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database, rows_changed
from orderview.db.models import License, Order
from orderview.roles import require
from orderview.schemas.common import parse
from orderview.schemas.strict_fields import Duration, StrictDate
from orderview.services import audit
from orderview.services.errors import FieldErrors, NotFound, PreviewChanged
from orderview.services.fingerprint import fingerprint
from orderview.services.license_query import LicenseFilter, conditions

Action = Literal["disable", "enable", "extend"]
ACTIONS: tuple[Action, ...] = ("disable", "enable", "extend")
SAMPLE = 10  # keys shown by the dry run and kept in the audit event
CHUNK = 500  # ids per statement (SQLite's bound-parameter limit)
DAYS = {"d": 1, "m": 30, "y": 365}
ENTITY = "licenses"


@dataclass(frozen=True, slots=True)
class Selection:
    """Chosen rows (``ids``: space on each) or every license that matches ``match``."""

    order_id: int
    ids: frozenset[int] | None = None
    match: LicenseFilter | None = None


@dataclass(frozen=True, slots=True)
class BulkChange:
    action: Action
    extend: str | None = None  # a duration: 30d, 6m, 1y
    until: date | None = None  # or a date

    @property
    def label(self) -> str:
        if self.action != "extend":
            return self.action
        return (
            f"extend validity by {self.extend}"
            if self.extend
            else f"extend validity to {self.until}"
        )


@dataclass(frozen=True, slots=True)
class BulkPreview:
    change: BulkChange
    store_id: str
    selected: int
    changing: int
    sample: list[str] = field(default_factory=list)  # keys (or user emails) that change
    fingerprint: str = ""

    @property
    def unchanged(self) -> int:
        return self.selected - self.changing


@dataclass(frozen=True, slots=True)
class BulkResult:
    changed: int
    audit_id: int


def parse_change(action: str, extend: str = "", until: str = "") -> BulkChange:
    """The operator's action, checked like issuing's fields (``FieldErrors`` names the field)."""
    if action not in ACTIONS:
        raise FieldErrors({"action": f"choose one of {', '.join(ACTIONS)}"})
    if action != "extend":
        return BulkChange(action)
    parsed = parse(_Extension, {"extend": extend, "until": until})
    if bool(parsed.extend) == bool(parsed.until):
        raise FieldErrors({"extend": "give a duration (30d, 6m, 1y) or a date, one of them"})
    return BulkChange("extend", parsed.extend, parsed.until)


class _Extension(BaseModel):
    extend: Duration = None
    until: StrictDate = None


def _changes(change: BulkChange) -> ColumnElement[bool]:
    """Which selected licenses the action would change."""
    if change.action == "disable":
        return License.enabled.is_(True)
    if change.action == "enable":
        return License.enabled.is_(False)
    if change.until is not None:
        return and_(License.validity_period.is_not(None), License.validity_period != change.until)
    return License.validity_period.is_not(None)


def _where(
    db: Database, selection: Selection, today: date, chunk: list[int] | None = None
) -> list[ColumnElement[bool]]:
    if selection.match is not None:
        return conditions(db, selection.order_id, selection.match, today)
    return [License.order_id == selection.order_id, License.id.in_(chunk or [])]


def _chunks(selection: Selection) -> list[list[int] | None]:
    if selection.ids is None:
        return [None]
    ids = sorted(selection.ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)] or [[]]


async def _preview(
    session: AsyncSession,
    db: Database,
    selection: Selection,
    change: BulkChange,
    today: date,
    lock: bool = False,
) -> BulkPreview:
    store_id = await session.scalar(select(Order.store_id).where(Order.id == selection.order_id))
    if store_id is None:
        raise NotFound("no such order (it may have been deleted)")
    rows: list[Any] = []
    for chunk in _chunks(selection):
        query = (
            select(
                License.id,
                License.version,
                License.license_key,
                License.user_email,
                _changes(change).label("changes"),
            )
            .where(*_where(db, selection, today, chunk))
            .order_by(License.id)
        )
        if lock and db.dialect == "postgresql":
            query = query.with_for_update(of=License)
        rows.extend((await session.execute(query)).all())
    changing = [r for r in rows if r.changes]
    sample = [r.license_key or r.user_email or "" for r in changing[:SAMPLE]]
    facts = fingerprint(
        change.action, change.extend, change.until, [(r.id, r.version) for r in rows]
    )
    return BulkPreview(change, store_id, len(rows), len(changing), sample, facts)


async def bulk_preview(
    db: Database, selection: Selection, change: BulkChange, today: date | None = None
) -> BulkPreview:
    """The dry run: what ``bulk_apply`` would change now (nothing is written)."""
    today = today or datetime.now(UTC).date()
    async with db.sessions() as session:
        return await _preview(session, db, selection, change, today)


def _new_values(db: Database, change: BulkChange) -> dict[str, Any]:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"version": License.version + 1, "updated_at": now}
    if change.action in ("disable", "enable"):
        values["enabled"] = change.action == "enable"
    elif change.until is not None:
        values["validity_period"] = change.until
    else:
        assert change.extend is not None
        days = int(change.extend[:-1]) * DAYS[change.extend[-1]]
        if db.dialect == "sqlite":
            values["validity_period"] = func.date(License.validity_period, f"+{days} days")
        else:
            values["validity_period"] = License.validity_period + timedelta(days=days)
    return values


async def bulk_apply(
    db: Database,
    actor: str,
    selection: Selection,
    change: BulkChange,
    expected: str,
    today: date | None = None,
) -> BulkResult:
    """Carry out the previewed change in one transaction (see the module)."""
    require(actor, "change_license")
    today = today or datetime.now(UTC).date()
    async with db.write() as session:
        now = await _preview(session, db, selection, change, today, lock=True)
        if now.fingerprint != expected:
            raise PreviewChanged(
                ENTITY,
                now,
                "Not changed: some of the selected licenses changed after you were asked "
                "(someone else changed, issued or deleted licenses); nothing was changed.",
            )
        span = await _span(session, db, selection, change, today)
        values = _new_values(db, change)
        changed = 0
        for chunk in _chunks(selection):
            result = await session.execute(
                update(License)
                .where(*_where(db, selection, today, chunk), _changes(change))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += rows_changed(result)
        event = audit.record(
            session,
            actor=actor,
            action=f"bulk {change.action}",
            entity=ENTITY,
            entity_id=None,
            order_id=selection.order_id,
            order_store_id=now.store_id,
            summary=f"{change.label}: {changed:,} of {now.selected:,} selected licenses",
            changes=_what_changed(change, span),
            snapshot={"count": changed, "selected": now.selected, "sample": now.sample},
        )
        await session.flush()
        return BulkResult(changed, event.id)


async def _span(
    session: AsyncSession, db: Database, selection: Selection, change: BulkChange, today: date
) -> tuple[Any, Any]:
    """The earliest and latest validity end before an extension (for the audit event)."""
    if change.action != "extend":
        return None, None
    low = high = None
    for chunk in _chunks(selection):
        row = (
            await session.execute(
                select(func.min(License.validity_period), func.max(License.validity_period)).where(
                    *_where(db, selection, today, chunk), _changes(change)
                )
            )
        ).one()
        low = row[0] if low is None or (row[0] is not None and row[0] < low) else low
        high = row[1] if high is None or (row[1] is not None and row[1] > high) else high
    return low, high


def _what_changed(change: BulkChange, span: tuple[Any, Any]) -> dict[str, list[Any]]:
    if change.action != "extend":
        return {"enabled": [change.action == "disable", change.action == "enable"]}
    low, high = span
    old = str(low) if low == high else f"{low} … {high}"
    new = str(change.until) if change.until else f"+{change.extend}"
    return {"validity_period": [old, new]}
