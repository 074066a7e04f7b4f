"""Issuing licenses into an order (creating orders lives in ``order_create.py``).

Every license of every line is written in ONE transaction: all or none, also when the process is
killed half way (an uncommitted transaction simply never happened). Rows go in as Core
``executemany`` chunks (``issuing_rows.py``), so 10,000 licenses cost about what the raw inserts
cost; the chunks also give the caller a progress figure and give the event loop a turn.

Decisions (ours):
- User-based products get one license per user email (``user_email`` set, ``license_key`` NULL);
  an email that already holds a license of the same product in the order is refused.
- Issuing adds licenses but changes no order field, so it does not bump the order's version: an
  operator editing the order at the same time must not get a conflict because of it. The order
  row is locked for the transaction, so issuing into an order being deleted fails cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, License, LicensePolicy, Order, Product
from orderview.roles import require
from orderview.schemas.issuing import LineInput, ResolvedLine, resolve_line
from orderview.services import audit, issuing_rows
from orderview.services.catalog import policy_view, product_view
from orderview.services.errors import ConflictError, FieldErrors, LineErrors, NotFound

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class IssuedLine:
    product_code: str
    product_name: str
    policy_code: str | None
    quantity: int
    keys: tuple[str, ...]  # key-based products
    user_emails: tuple[str, ...]  # user-based products


@dataclass(frozen=True, slots=True)
class IssueResult:
    order_id: int
    store_id: str
    lines: tuple[IssuedLine, ...]
    after_id: int = 0  # the new licenses are the order's licenses with ids above this

    @property
    def total(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def identities(self) -> list[str]:
        return [i for line in self.lines for i in (line.keys or line.user_emails)]


# --- preparing lines (reads only) ---------------------------------------------------------


async def resolve_lines(db: Database, lines: Sequence[LineInput]) -> list[ResolvedLine]:
    """Validate every line against its product and policy as they are now in the database."""
    if not lines:
        raise FieldErrors({"lines": "add at least one product"})
    product_ids = {line.product_id for line in lines}
    policy_ids = {line.policy_id for line in lines if line.policy_id is not None}
    async with db.sessions() as session:
        products = {
            p.id: product_view(p)
            for p in await session.scalars(select(Product).where(Product.id.in_(product_ids)))
        }
        policies = (
            {
                p.id: policy_view(p)
                for p in await session.scalars(
                    select(LicensePolicy).where(LicensePolicy.id.in_(policy_ids))
                )
            }
            if policy_ids
            else {}
        )
    resolved: list[ResolvedLine] = []
    taken_keys: dict[str, int] = {}
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None:
            raise LineErrors(index, {"product": "no such product"})
        if not product.active:
            raise LineErrors(index, {"product": f"{product.short_code} is no longer sold"})
        policy = None
        if line.policy_id is not None:
            policy = policies.get(line.policy_id)
            if policy is None:
                raise LineErrors(index, {"policy": "no such license policy"})
        try:
            item = resolve_line(line, product, policy)
        except FieldErrors as exc:
            raise LineErrors(index, exc.errors) from None
        for key in item.keys:
            if key in taken_keys:
                raise LineErrors(index, {"keys": f"{key} is also in line {taken_keys[key] + 1}"})
            taken_keys[key] = index
        resolved.append(item)
    return resolved


def _summary(lines: Sequence[IssuedLine]) -> str:
    total = sum(line.quantity for line in lines)
    parts = ", ".join(
        f"{line.quantity} × {line.product_code} ({line.policy_code or 'custom values'})"
        for line in lines
    )
    return f"issued {total} license{'s' if total != 1 else ''}: {parts}"


async def issue_in_session(
    session: AsyncSession,
    actor: str,
    order: Order,
    lines: Sequence[ResolvedLine],
    progress: ProgressFn | None,
) -> IssueResult:
    await issuing_rows.check_identities(session, order.id, lines)
    before, last_id = (
        await session.execute(
            select(func.count(License.id), func.max(License.id)).where(License.order_id == order.id)
        )
    ).one()
    total = sum(line.quantity for line in lines)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    now = datetime.now(UTC)
    issued: set[str] = {k for line in lines for k in line.keys}
    results: list[IssuedLine] = []
    for index, line in enumerate(lines):
        written = await issuing_rows.insert_line(
            session, order.id, index, line, now, issued, advance
        )
        results.append(
            IssuedLine(
                product_code=line.product_code,
                product_name=line.product_name,
                policy_code=line.policy_code,
                quantity=line.quantity,
                keys=() if line.user_based else written,
                user_emails=written if line.user_based else (),
            )
        )
    audit.record(
        session,
        actor=actor,
        action="issued",
        entity="order",
        entity_id=order.id,
        entity_version=order.version,
        order_id=order.id,
        order_store_id=order.store_id,
        summary=_summary(results),
        changes={"license_count": [before, before + total]},
        snapshot={
            "lines": [
                {
                    "product": r.product_code,
                    "policy": r.policy_code,
                    "quantity": r.quantity,
                    "values": line.entitlements.values(),
                    "differences": {k: list(v) for k, v in line.differences.items()},
                    "keys": list(r.keys),
                    "user_emails": list(r.user_emails),
                }
                for r, line in zip(results, lines, strict=True)
            ]
        },
    )
    return IssueResult(order.id, order.store_id, tuple(results), last_id or 0)


async def _locked_order(session: AsyncSession, order_id: int) -> Order:
    order = (
        await session.scalars(select(Order).where(Order.id == order_id).with_for_update())
    ).first()
    if order is not None:
        return order
    deleted = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "order",
                AuditEvent.entity_id == order_id,
                AuditEvent.action == "deleted",
            )
        )
    ).first()
    if deleted is not None:
        raise ConflictError(
            "order", await audit.changes_since(session, "order", order_id, 0), deleted=True
        )
    raise NotFound("no such order")


async def issue_licenses(
    db: Database,
    actor: str,
    order_id: int,
    lines: Sequence[LineInput],
    progress: ProgressFn | None = None,
) -> IssueResult:
    """Issue every line's licenses into an existing order, all in one transaction.

    ``progress(done, total)`` is called after each chunk (from inside the transaction).
    Raises ``LineErrors`` (a ``FieldErrors``) for bad input, ``NotFound``/``ConflictError`` if
    the order is gone.
    """
    require(actor, "issue")
    resolved = await resolve_lines(db, lines)
    async with db.write() as session:
        order = await _locked_order(session, order_id)
        return await issue_in_session(session, actor, order, resolved, progress)
