"""Issuing licenses into an order (creating orders lives in ``order_create.py``).

Every license of every line is written in ONE transaction: all or none, also when the process is
killed half way (an uncommitted transaction simply never happened). Rows go in as Core
``executemany`` chunks, so 10,000 licenses cost about what the raw inserts cost; the chunks also
give the caller a progress figure and give the event loop a turn.

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
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, License, LicensePolicy, Order, Product
from orderview.keys import generate_keys
from orderview.roles import require
from orderview.schemas.issuing import (
    LineInput,
    ResolvedLine,
    resolve_line,
)
from orderview.services import audit
from orderview.services.catalog import policy_view, product_view
from orderview.services.errors import ConflictError, FieldErrors, NotFound
from orderview.services.normalize import lc

ProgressFn = Callable[[int, int], None]
CHUNK = 2000  # rows per executemany: big enough to be fast, small enough for live progress
LOOKUP_CHUNK = 500  # keys per "already used?" query (bind-parameter limits)
KEY_RETRIES = 3


class LineErrors(FieldErrors):
    """``FieldErrors`` of one product line (``line`` is 0-based), so a wizard can show them."""

    def __init__(self, line: int, errors: dict[str, str]) -> None:
        self.line = line
        super().__init__(errors)
        self.args = (f"line {line + 1}: {self.args[0]}",)


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


# --- writing ------------------------------------------------------------------------------


def _row_template(order_id: int, line: ResolvedLine, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict(line.entitlements.values())
    row.update(
        order_id=order_id,
        product_id=line.product_id,
        policy_id=line.policy_id,
        license_key=None,
        user_email=None,
        total_consumptions=0,
        times_activated=0,
        transfer_count=0,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    return row


async def _existing_keys(session: AsyncSession, keys: Sequence[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = list(keys[start : start + LOOKUP_CHUNK])
        found += await session.scalars(
            select(License.license_key).where(License.license_key.in_(chunk))
        )
    return found


async def _check_identities(
    session: AsyncSession, order_id: int, lines: Sequence[ResolvedLine]
) -> None:
    """Pasted keys must be new to the database; a user may hold one license per product."""
    for index, line in enumerate(lines):
        if line.keys:
            used = await _existing_keys(session, line.keys)
            if used:
                shown = ", ".join(sorted(used)[:3]) + (" …" if len(used) > 3 else "")
                raise LineErrors(index, {"keys": f"already used: {shown}"})
        if line.user_emails:
            held = {
                (e or "").lower()
                for e in await session.scalars(
                    select(License.user_email).where(
                        License.order_id == order_id,
                        License.product_id == line.product_id,
                        License.user_email.is_not(None),
                    )
                )
            }
            dupes = [e for e in line.user_emails if e.lower() in held]
            if dupes:
                raise LineErrors(
                    index,
                    {"user_emails": f"already licensed in this order: {', '.join(dupes[:3])}"},
                )


def _sqlite_insert(
    dialect: Dialect, template: dict[str, Any], column: str
) -> tuple[str, list[Any]]:
    """The INSERT and the template's values already converted by each column's own bind
    processor (so they are stored exactly as the ORM would store them), once per chunk."""
    table = License.__table__
    columns = [*template, column] if column not in template else list(template)
    values: list[Any] = []
    for name in columns:
        value = template.get(name)
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values.append(process(value) if process is not None else value)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    return sql, values


async def _insert_chunk(
    session: AsyncSession, template: dict[str, Any], column: str, values: Sequence[str]
) -> None:
    """Rows that differ in one column (the key or the user email, with its lower-cased search
    copy), in one executemany, inside a savepoint so a unique violation undoes only this chunk.

    On SQLite the rows go to the driver as tuples: SQLAlchemy's per-row parameter processing
    cost ~3× the inserts themselves (docs/benchmarks.md); elsewhere Core executemany.
    """
    lowered = column == "user_email"
    async with session.begin_nested():
        conn = await session.connection()
        if conn.dialect.name == "sqlite":
            sql, base = _sqlite_insert(conn.dialect, template, column)
            at = len(template) if column not in template else list(template).index(column)
            if lowered:  # its search copy goes last: one more column, one more "?"
                sql = sql.replace(") VALUES (", ", user_email_lc) VALUES (?, ", 1)
            rows = [
                (*base[:at], value, *base[at + 1 :], *([lc(value)] if lowered else []))
                for value in values
            ]
            await conn.exec_driver_sql(sql, rows)
        else:
            await conn.execute(
                insert(License.__table__),
                [
                    {**template, column: value, **({"user_email_lc": lc(value)} if lowered else {})}
                    for value in values
                ],
            )


async def _insert_line(
    session: AsyncSession,
    order_id: int,
    index: int,
    line: ResolvedLine,
    now: datetime,
    issued: set[str],
    advance: Callable[[int], None],
) -> tuple[str, ...]:
    """Insert one line's licenses in chunks; returns the keys (or emails) written."""
    template = _row_template(order_id, line, now)
    written: list[str] = []
    if line.user_emails:
        for start in range(0, line.quantity, CHUNK):
            chunk = line.user_emails[start : start + CHUNK]
            await _insert_chunk(session, template, "user_email", chunk)
            written += chunk
            advance(len(chunk))
        return tuple(written)
    pasted = bool(line.keys)
    # Generated keys go in in key order: random keys in random order touch the unique key
    # index's pages at random, sorted ones sweep it once (docs/benchmarks.md, issuing).
    fresh = [] if pasted else sorted(_fresh_keys(line.quantity, issued))
    issued.update(fresh)
    for start in range(0, line.quantity, CHUNK):
        size = min(CHUNK, line.quantity - start)
        for attempt in range(KEY_RETRIES + 1):
            if pasted:  # the operator's keys, in the operator's order
                keys = list(line.keys[start : start + size])
            elif attempt == 0:
                keys = fresh[start : start + size]
            else:
                keys = sorted(_fresh_keys(size, issued))
            try:
                await _insert_chunk(session, template, "license_key", keys)
                break
            except IntegrityError:
                # Pasted: someone used a key since we checked. Generated: an 80-bit collision,
                # astronomically rare; draw again (the savepoint undid only this chunk).
                if pasted or attempt == KEY_RETRIES:
                    used = await _existing_keys(session, keys)
                    raise LineErrors(
                        index,
                        {
                            "keys": "already used: " + ", ".join(used[:3])
                            if used
                            else "could not write unique keys"
                        },
                    ) from None
        issued.update(keys)
        written += keys
        advance(size)
    return tuple(written)


def _fresh_keys(count: int, issued: set[str]) -> list[str]:
    keys = [k for k in generate_keys(count) if k not in issued]
    while len(keys) < count:
        keys += [k for k in generate_keys(count - len(keys)) if k not in issued and k not in keys]
    return keys


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
    await _check_identities(session, order.id, lines)
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
        written = await _insert_line(session, order.id, index, line, now, issued, advance)
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
