"""After a desk run: prove that no save was lost, from the audit trail and the rows themselves.

Every save of ``desk_operator`` writes a reference derived from the one the operator read
(``DESK-<n>`` → ``DESK-<n+1>``). Walking each order's "updated" events of the run in order:

- every event's old value must be the previous event's new value (the first one's: the value
  before the run) and its new value the one derived from that old value — a save made from a
  stale read that was not refused would break the chain;
- every event's version must be the previous one's plus one;
- the row must hold the last event's value and version;
- there must be exactly as many events as saves the operators were told succeeded, and as many
  new licenses as they were told were issued.

Anything else is counted as a lost update (the report shows the first few, and must show 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from benchmarks.desk_operator import next_reference
from orderview.db.engine import Database
from orderview.db.models import AuditEvent, License, Order


@dataclass
class Mark:
    """Where the database stood before the run."""

    audit_id: int
    license_id: int
    references: dict[int, tuple[str, int]]  # order id → (reference, version) of every sample


@dataclass
class Check:
    events: int = 0
    orders: int = 0
    licenses: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)

    def flag(self, problem: str) -> None:
        self.lost += 1
        if len(self.problems) < 5:
            self.problems.append(problem)


async def mark(db: Database, order_ids: list[int]) -> Mark:
    async with db.sessions() as s:
        audit_id = await s.scalar(select(func.max(AuditEvent.id))) or 0
        license_id = await s.scalar(select(func.max(License.id))) or 0
        rows = (
            await s.execute(
                select(Order.id, Order.reference, Order.version).where(Order.id.in_(order_ids))
            )
        ).all()
    return Mark(audit_id, license_id, {r.id: (r.reference, r.version) for r in rows})


async def check(db: Database, before: Mark, saves: int, issued: int) -> Check:
    result = Check()
    async with db.sessions() as s:
        events = (
            await s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.id > before.audit_id,
                    AuditEvent.entity == "order",
                    AuditEvent.action == "updated",
                )
                .order_by(AuditEvent.id)
            )
        ).all()
        by_order: dict[int, list[AuditEvent]] = {}
        for event in events:
            by_order.setdefault(event.entity_id or 0, []).append(event)
        rows = {
            r.id: (r.reference, r.version)
            for r in (
                await s.execute(
                    select(Order.id, Order.reference, Order.version).where(
                        Order.id.in_(list(by_order))
                    )
                )
            ).all()
        }
        result.licenses = (
            await s.scalar(select(func.count(License.id)).where(License.id > before.license_id))
            or 0
        )
    result.events, result.orders = len(events), len(by_order)
    for order_id, trail in by_order.items():
        walk(result, order_id, trail, before.references.get(order_id), rows.get(order_id))
    if result.events != saves:
        result.flag(f"{saves} saves reported, {result.events} in the audit trail")
    if result.licenses != issued:
        result.flag(f"{issued} licenses reported issued, {result.licenses} new rows")
    return result


def walk(
    result: Check,
    order_id: int,
    trail: list[AuditEvent],
    start: tuple[str, int] | None,
    final: tuple[str, int] | None,
) -> None:
    if start is None or final is None:
        result.flag(f"order {order_id}: saved but not one of the run's orders")
        return
    value, version = start
    for event in trail:
        changes: dict[str, Any] = event.changes or {}
        old, new = changes.get("reference", [None, None])
        if old != value:
            result.flag(f"order {order_id}: event {event.id} changed {old!r}, stored was {value!r}")
        if new != next_reference(old or ""):
            result.flag(f"order {order_id}: event {event.id} wrote {new!r} from {old!r}")
        if event.entity_version != version + 1:
            result.flag(f"order {order_id}: event {event.id} version {event.entity_version}")
        value, version = new, event.entity_version or 0
    if final != (value, version):
        result.flag(f"order {order_id}: row holds {final}, last event {(value, version)}")
