"""Finding orders: the newest orders, and search by Order ID, reference, customer or license.

The order of a search's results (docs/invariants.md 11) is one total order:

1. by kind of match: the Order ID itself (ignoring case), then an Order ID that starts with the
   text, then the reference, then the customer (email, name, last name, company), then a
   license (key or user email); an order found several ways counts once, at its best kind;
2. then newest first (``created_at``), then the highest id (ties on ``created_at``).

A page of N results is exactly the first N of that order. One statement computes it: each kind
of match is an indexed prefix lookup bounded to its own newest N+1 orders (an
order in the first N overall is among the first N of its best kind: everything before it there
is before it overall), the union keeps each order's best kind, and the outer query sorts and
cuts. The next page is the first ``shown + N`` with the shown ones left out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.util.concurrency import greenlet_spawn

from orderview.db.engine import Database
from orderview.db.models import Customer, License, Order
from orderview.services.normalize import MAX_CHAR, key_prefix, lc, unfindable
from orderview.services.views import OrderSummary, Page

SEARCH_LIMIT = 50
# Kinds of match, best first (the first key of the search order).
EXACT_ID, ORDER_ID, REFERENCE, CUSTOMER, LICENSE = range(5)


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """Index-friendly "column starts with prefix" (byte-order collation on both databases)."""
    return and_(column >= prefix, column < prefix + MAX_CHAR)


def _license_count(order: Any = Order, lic: Any = License) -> ScalarSelect[int]:
    correlate = order if order is Order else Order.__table__
    return (
        select(func.count(lic.id))
        .where(lic.order_id == order.id)
        .correlate(correlate)
        .scalar_subquery()
    )


def _summary_query(core: bool = False) -> Select[*tuple[Any, ...]]:
    """The summary's columns. ``core``: over the tables' columns instead of the mapped classes
    — the same SQL and values, but running it needs neither the ORM's mapper configuration
    nor its compile step (≈12 ms of the first paint's newest orders: docs/benchmarks.md)."""
    order: Any = Order.__table__.c if core else Order
    customer: Any = Customer.__table__.c if core else Customer
    lic: Any = License.__table__.c if core else License
    return select(
        order.id,
        order.store_id,
        order.reference,
        customer.company_name,
        customer.first_name,
        customer.last_name,
        customer.email,
        _license_count(order, lic).label("license_count"),
        order.is_test,
        order.is_trial,
        order.created_at,
    ).outerjoin(Customer.__table__ if core else Customer, customer.id == order.customer_id)


def _found(row: Any) -> OrderSummary:
    """A row of ``_summary_query``'s columns, in order, as the table's summary."""
    (
        order_id,
        store_id,
        reference,
        company,
        first,
        last,
        email,
        count,
        is_test,
        is_trial,
        created_at,
    ) = tuple(row)
    name = f"{first or ''} {last or ''}".strip()
    return OrderSummary(
        id=order_id,
        store_id=store_id,
        reference=reference,
        customer=company or name or (email or ""),
        license_count=count,
        is_test=is_test,
        is_trial=is_trial,
        created_at=created_at,
    )


async def recent_orders(
    db: Database, limit: int = SEARCH_LIMIT, before: tuple[datetime, int] | None = None
) -> Page[OrderSummary]:
    """Newest orders first, keyset-paged on (created_at, id). One SELECT over the tables'
    columns on one connection (its own snapshot, like the search's): no ORM session."""
    order = Order.__table__.c
    query = _summary_query(core=True)
    if before is not None:
        at, order_id = before
        query = query.where(
            or_(order.created_at < at, and_(order.created_at == at, order.id < order_id))
        )
    query = query.order_by(order.created_at.desc(), order.id.desc()).limit(limit + 1)
    async with db.engine.connect() as conn:
        await conn.execution_options(orderview_one_statement=True)
        rows = (await conn.execute(query)).all()
    return Page([_found(r) for r in rows[:limit]], has_more=len(rows) > limit)


def _search_query(with_key: bool) -> Select[*tuple[Any, ...]]:
    """The first ``:limit`` orders of the search order (see the module docstring).

    The customer and license lookups are fenced (OFFSET 0): they read their matches through
    their index ranges whatever the planner guesses. Unfenced, PostgreSQL (with statistics)
    and SQLite (without) may walk ``created_at`` backwards probing the customer or licenses of
    every order: fast when most orders match, ≈1 s at 100,000 orders when the matches are few
    and old."""
    low: BindParameter[str] = bindparam("low")
    high: BindParameter[str] = bindparam("high")
    exact: BindParameter[str] = bindparam("exact")
    limit: BindParameter[int] = bindparam("limit")

    def starts(column: Any) -> ColumnElement[bool]:
        return and_(column >= low, column < high)

    def member(
        rank: int, found: Select[*tuple[Any, ...]], fenced: bool = False
    ) -> Select[*tuple[Any, ...]]:
        """One kind of match: the newest ``:limit`` of the orders ``found`` (id, created_at)."""
        if fenced:
            rows = found.offset(0).subquery()
            found = select(rows.c.id, rows.c.created_at)
            newest = (rows.c.created_at.desc(), rows.c.id.desc())
        else:
            newest = (Order.created_at.desc(), Order.id.desc())
        inner = found.order_by(*newest).limit(limit).subquery()
        return select(literal(rank).label("rank"), inner.c.id, inner.c.created_at)

    def orders_where(condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
        return select(Order.id, Order.created_at).where(condition)

    license_match = starts(License.user_email_lc)
    if with_key:
        license_match = or_(
            license_match,
            and_(
                License.license_key >= bindparam("key_low"),
                License.license_key < bindparam("key_high"),
            ),
        )
    matches = union_all(
        member(EXACT_ID, orders_where(Order.store_id_lc == exact)),
        member(ORDER_ID, orders_where(starts(Order.store_id_lc))),
        member(REFERENCE, orders_where(starts(Order.reference_lc))),
        member(
            CUSTOMER,
            orders_where(
                or_(
                    starts(Customer.email_lc),
                    starts(Customer.name_lc),
                    starts(Customer.last_name_lc),
                    starts(Customer.company_lc),
                )
            ).join(Customer, Customer.id == Order.customer_id),
            fenced=True,
        ),
        member(
            LICENSE,
            select(Order.id, Order.created_at)
            .distinct()
            .join(License, License.order_id == Order.id)
            .where(license_match),
            fenced=True,
        ),
    ).subquery("matches")
    # Each order once, at its best kind; cut to the first ``:limit`` before joining the
    # summary, so the join reads those few orders by primary key.
    rank = func.min(matches.c.rank).label("rank")
    first = (
        select(matches.c.id, matches.c.created_at, rank)
        .group_by(matches.c.id, matches.c.created_at)
        .order_by(rank, matches.c.created_at.desc(), matches.c.id.desc())
        .limit(limit)
        .subquery("first")
    )
    return (
        _summary_query()
        .join(first, first.c.id == Order.id)
        .order_by(first.c.rank, first.c.created_at.desc(), first.c.id.desc())
    )


# Built once, at the first search (not at import: the first paint lists the newest orders
# without it): constructing the statement and its cache key cost more than running it.
_SEARCH: dict[bool, Select[*tuple[Any, ...]]] = {}


def _search_statement(with_key: bool) -> Select[*tuple[Any, ...]]:
    found = _SEARCH.get(with_key)
    if found is None:
        found = _SEARCH[with_key] = _search_query(with_key)
    return found


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A search statement compiled once for a dialect: its SQL text, how to lay out the
    positional arguments, and the result processors of its columns."""

    sql: str
    # Per position: the name of a run-time parameter, or None and the fixed value
    # (the literal ranks and zero offsets the compiler bound).
    slots: tuple[tuple[str | None, Any], ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [value if name is None else params[name] for name, value in self.slots]


_RUNTIME = frozenset({"low", "high", "exact", "limit", "key_low", "key_high"})
_COMPILED: dict[tuple[str, bool], _Compiled] = {}


def _compiled(dialect: Dialect, with_key: bool) -> _Compiled:
    found = _COMPILED.get((dialect.name, with_key))
    if found is not None:
        return found
    statement = _search_statement(with_key)
    compiled = statement.compile(dialect=dialect)
    slots = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            # None for these String and Integer parameters on SQLite and asyncpg; a type that
            # needs one would have to be applied in args() (tests run both databases).
            raise TypeError(f"search parameter {name} needs a bind processor")
        slots.append((name, None) if name in _RUNTIME else (None, compiled.params[name]))
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    made = _COMPILED[(dialect.name, with_key)] = _Compiled(compiled.string, tuple(slots), results)
    return made


async def _search_rows(
    db: Database, with_key: bool, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The search statement's rows as tuples of app values (bools, aware datetimes), in the
    statement's column order.

    The compiled text goes straight to the pooled driver connection, without a SQLAlchemy
    ``Connection`` or transaction: one SELECT is its own snapshot. On SQLite that is one
    thread hop (aiosqlite's ``execute_fetchall``) instead of four plus ~0.1 ms of Python; on
    PostgreSQL one round trip (asyncpg's own prepared-statement cache) instead of BEGIN,
    execute and ROLLBACK (docs/benchmarks.md). Any driver error re-runs the statement the
    ordinary way, so faults reach the operator as every other statement's do
    (``orderview.db.faults``), and a PostgreSQL connection it came from is not reused.
    """
    statement = _search_statement(with_key)
    compiled = _compiled(db.engine.dialect, with_key)
    raw = await db.engine.raw_connection()
    rows: Any = None
    try:
        driver: Any = raw.driver_connection
        if db.dialect == "sqlite":
            rows = await driver.execute_fetchall(compiled.sql, compiled.args(params))
        else:
            rows = await driver.fetch(compiled.sql, *compiled.args(params))
    except Exception:  # the ordinary path below raises what the engine raises
        rows = None
        if db.dialect != "sqlite":
            raw.invalidate()
    except BaseException:  # cancelled mid-query: an asyncpg connection may still be busy
        if db.dialect != "sqlite":
            raw.invalidate()
        raise
    finally:
        if db.dialect == "sqlite" and rows is not None and not driver.in_transaction:
            # A SELECT opens no transaction on SQLite (the driver begins one only before a
            # write), so the pool's rollback on return would be a second hop to the driver's
            # thread for nothing — as long as the query itself (docs/benchmarks.md). Private
            # to the pinned SQLAlchemy: ``close()`` is ``_checkin()`` for one checkout.
            await greenlet_spawn(raw._checkin, transaction_was_reset=True)
        else:
            await greenlet_spawn(raw.close)
    if rows is not None:
        results = compiled.results
        return [
            tuple(v if p is None else p(v) for p, v in zip(results, row, strict=True))
            for row in rows
        ]
    async with db.engine.connect() as conn:
        await conn.execution_options(orderview_one_statement=True)
        return [tuple(row) for row in (await conn.execute(statement, params)).all()]


async def search_orders(db: Database, text: str, limit: int = SEARCH_LIMIT) -> Page[OrderSummary]:
    """The first ``limit`` orders (in the search order) whose Order ID, reference, customer
    email/name/company, license key or license user email starts with ``text``
    (case-insensitive); an empty text lists the newest orders."""
    if not text.strip():
        return await recent_orders(db, limit)
    if unfindable(text, db.dialect):
        return Page([], has_more=False)
    needle = lc(text)
    prefix = key_prefix(text)
    params = {"low": needle, "high": needle + MAX_CHAR, "exact": needle, "limit": limit + 1}
    if prefix:
        params |= {"key_low": prefix, "key_high": prefix + MAX_CHAR}
    rows = await _search_rows(db, bool(prefix), params)
    return Page([_found(r) for r in rows[:limit]], has_more=len(rows) > limit)


async def search_more(
    db: Database, text: str, shown: Collection[int], limit: int = SEARCH_LIMIT
) -> Page[OrderSummary]:
    """The next page of a search: the matches after ``shown`` (the ids already on screen).

    Asks for the first ``len(shown) + limit`` and leaves the shown ones out: when ``shown`` is
    the first pages, that is exactly the next ``limit`` of the search order, and rows already
    shown never move or repeat (each page costs one indexed statement).
    """
    if not text.strip():
        raise ValueError("search_more needs a search text; page recent_orders by keyset")
    wider = await search_orders(db, text, limit=len(shown) + limit)
    new = [s for s in wider.items if s.id not in shown]
    return Page(new[:limit], has_more=wider.has_more or len(new) > limit)
