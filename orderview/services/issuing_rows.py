"""The license rows issuing writes: one row template per line, fresh keys, chunked inserts.

Its own module because this is the fast path the benchmarks measure and nothing else in
issuing is: rows built once per line and sent in ``executemany`` chunks (as tuples on SQLite),
generated keys drawn, sorted and re-drawn on a collision, pasted keys and user emails checked
for reuse. ``services/issuing.py`` is the service around it: it validates the lines, locks the
order, calls these inside its one transaction and writes the audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.models import License
from orderview.keys import generate_keys
from orderview.schemas.issuing import ResolvedLine
from orderview.services.errors import LineErrors
from orderview.services.normalize import lc

CHUNK = 2000  # rows per executemany: big enough to be fast, small enough for live progress
LOOKUP_CHUNK = 500  # keys per "already used?" query (bind-parameter limits)
KEY_RETRIES = 3


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


async def check_identities(
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


async def insert_line(
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
