"""Reading orders: search, load one with its customer and managers, page its licenses.

Every search is a union of indexed prefix lookups (never a scan), each bounded by the page
size, so it costs the same on 100 orders and on 100,000.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Select,
    Subquery,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util.concurrency import greenlet_spawn

from orderview.db.engine import Database
from orderview.db.models import (
    Customer,
    License,
    LicenseManager,
    MailOutbox,
    Order,
    OrderManager,
    Product,
)
from orderview.permissions import sort_codes
from orderview.services.errors import NotFound
from orderview.services.normalize import MAX_CHAR, key_prefix, lc, unfindable
from orderview.services.views import (
    CustomerView,
    LicenseRow,
    ManagerView,
    OrderDetail,
    OrderSummary,
    Page,
)

SEARCH_LIMIT = 50


def starts_with(column, prefix: str):  # type: ignore[no-untyped-def]
    """Index-friendly "column starts with prefix" (byte-order collation on both databases)."""
    return and_(column >= prefix, column < prefix + MAX_CHAR)


def _license_count():  # type: ignore[no-untyped-def]
    return (
        select(func.count(License.id))
        .where(License.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )


def _summary_query() -> Select:  # type: ignore[type-arg]
    return select(
        Order.id,
        Order.store_id,
        Order.reference,
        Customer.company_name,
        Customer.first_name,
        Customer.last_name,
        Customer.email,
        _license_count().label("license_count"),
        Order.is_test,
        Order.is_trial,
        Order.created_at,
    ).outerjoin(Customer, Customer.id == Order.customer_id)


def _summary(row) -> OrderSummary:  # type: ignore[no-untyped-def]
    name = f"{row.first_name or ''} {row.last_name or ''}".strip()
    return OrderSummary(
        id=row.id,
        store_id=row.store_id,
        reference=row.reference,
        customer=row.company_name or name or (row.email or ""),
        license_count=row.license_count,
        is_test=row.is_test,
        is_trial=row.is_trial,
        created_at=row.created_at,
    )


async def recent_orders(
    db: Database, limit: int = SEARCH_LIMIT, before: tuple[datetime, int] | None = None
) -> Page[OrderSummary]:
    """Newest orders first, keyset-paged on (created_at, id)."""
    query = _summary_query()
    if before is not None:
        at, order_id = before
        query = query.where(
            or_(Order.created_at < at, and_(Order.created_at == at, Order.id < order_id))
        )
    query = query.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
    return Page([_summary(r) for r in rows[:limit]], has_more=len(rows) > limit)


def _matches(with_key: bool) -> Subquery:
    """(rank, id) of the orders matching the search: a UNION ALL of indexed prefix lookups,
    each bounded by ``:limit`` — by Order ID (rank 0), reference (1), customer email/name/company
    (2) and, when the text can be part of a key, license key (3). One statement, so a search
    is one round trip to the database."""
    low, high, limit = bindparam("low"), bindparam("high"), bindparam("limit")

    def member(rank: int, query: Select) -> Select:  # type: ignore[type-arg]
        inner = query.limit(limit).subquery()
        return select(literal(rank).label("rank"), inner.c[0].label("id"))

    def starts(column):  # type: ignore[no-untyped-def]
        return and_(column >= low, column < high)

    customer_match = or_(starts(Customer.email_lc), starts(Customer.name_lc),
                         starts(Customer.last_name_lc), starts(Customer.company_lc))
    members = [
        member(0, select(Order.id).where(starts(Order.store_id_lc)).order_by(Order.store_id_lc)),
        member(1, select(Order.id).where(starts(Order.reference_lc))
               .order_by(Order.reference_lc)),
        member(2, select(Order.id)
               .where(Order.customer_id.in_(select(Customer.id).where(customer_match).limit(limit)))
               .order_by(Order.id.desc())),
    ]
    if with_key:
        key_low, key_high = bindparam("key_low"), bindparam("key_high")
        members.append(member(3, select(License.order_id)
                              .where(License.license_key >= key_low,
                                     License.license_key < key_high)
                              .order_by(License.license_key)))
    return union_all(*members).subquery("matches")


def _search_query(with_key: bool) -> Select:  # type: ignore[type-arg]
    matches = _matches(with_key)
    return (
        _summary_query()
        .join(matches, matches.c.id == Order.id)
        .order_by(matches.c.rank, Order.created_at.desc(), Order.id.desc())
    )


# Built once: constructing the statement and its cache key cost more than running it.
_SEARCH = {True: _search_query(True), False: _search_query(False)}


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


_RUNTIME = frozenset({"low", "high", "limit", "key_low", "key_high"})
_COMPILED: dict[tuple[str, bool], _Compiled] = {}


def _compiled(dialect: Dialect, with_key: bool) -> _Compiled:
    found = _COMPILED.get((dialect.name, with_key))
    if found is not None:
        return found
    statement = _SEARCH[with_key]
    compiled = statement.compile(dialect=dialect)
    slots = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            # None for these String and Integer parameters on SQLite and asyncpg; a type that
            # needs one would have to be applied in args() (tests run both databases).
            raise TypeError(f"search parameter {name} needs a bind processor")
        slots.append((name, None) if name in _RUNTIME else (None, compiled.params[name]))
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in statement.selected_columns)
    made = _COMPILED[(dialect.name, with_key)] = _Compiled(compiled.string, tuple(slots), results)
    return made


async def _search_rows(db: Database, with_key: bool, params: dict[str, Any]) -> list[tuple[Any, ...]]:
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
    statement = _SEARCH[with_key]
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
        await greenlet_spawn(raw.close)
    if rows is not None:
        results = compiled.results
        return [tuple(v if p is None else p(v) for p, v in zip(results, row, strict=True))
                for row in rows]
    async with db.engine.connect() as conn:
        await conn.execution_options(orderview_one_statement=True)
        return [tuple(row) for row in (await conn.execute(statement, params)).all()]


def _found(row: tuple[Any, ...]) -> OrderSummary:
    """A search row (``_summary_query``'s columns, in order) as the table's summary."""
    (order_id, store_id, reference, company, first, last, email, count, is_test, is_trial,
     created_at) = row
    name = f"{first or ''} {last or ''}".strip()
    return OrderSummary(id=order_id, store_id=store_id, reference=reference,
                        customer=company or name or (email or ""), license_count=count,
                        is_test=is_test, is_trial=is_trial, created_at=created_at)


async def search_orders(db: Database, text: str, limit: int = SEARCH_LIMIT) -> Page[OrderSummary]:
    """Orders whose Order ID, reference, customer email/name/company or license key starts
    with ``text`` (case-insensitive); an empty text lists the newest orders."""
    if not text.strip():
        return await recent_orders(db, limit)
    if unfindable(text, db.dialect):
        return Page([], has_more=False)
    needle = lc(text)
    prefix = key_prefix(text)
    params = {"low": needle, "high": needle + MAX_CHAR, "limit": limit + 1}
    if prefix:
        params |= {"key_low": prefix, "key_high": prefix + MAX_CHAR}
    rows = await _search_rows(db, bool(prefix), params)
    picked: dict[int, tuple[Any, ...]] = {}
    for row in rows:  # an order found by several lookups counts once, at its best rank
        picked.setdefault(row[0], row)
    found = list(picked.values())
    chosen = sorted(found[: limit + 1], key=lambda r: (r[10], r[0]), reverse=True)
    summaries = [_found(r) for r in chosen]
    # An exact Order ID match always comes first: it is what `enter` opens.
    summaries.sort(key=lambda s: s.store_id.lower() != needle)
    return Page(summaries[:limit], has_more=len(found) > limit)


async def search_more(
    db: Database, text: str, shown: Collection[int], limit: int = SEARCH_LIMIT
) -> Page[OrderSummary]:
    """The next page of a search: matches not in ``shown`` (the ids already on screen).

    The search is a union of bounded index lookups, so it continues by asking for a larger
    bound and keeping what is new: rows already shown never move or repeat, and every match
    is reached as the operator keeps going (each page costs one indexed statement).
    """
    if not text.strip():
        raise ValueError("search_more needs a search text; page recent_orders by keyset")
    wider = await search_orders(db, text, limit=len(shown) + limit)
    new = [s for s in wider.items if s.id not in shown]
    return Page(new[:limit], has_more=wider.has_more or len(new) > limit)


def customer_view(c: Customer) -> CustomerView:
    return CustomerView(
        id=c.id,
        email=c.email,
        first_name=c.first_name,
        last_name=c.last_name,
        company_name=c.company_name,
        phone=c.phone,
        reference=c.reference,
        address=c.address,
        city=c.city,
        state=c.state,
        postcode=c.postcode,
        country=c.country,
        version=c.version,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


async def order_managers(session: AsyncSession, order_id: int) -> list[ManagerView]:
    rows = (
        await session.execute(
            select(OrderManager, LicenseManager)
            .join(LicenseManager, LicenseManager.id == OrderManager.manager_id)
            .where(OrderManager.order_id == order_id)
            .order_by(LicenseManager.email_lc)
        )
    ).all()
    if not rows:
        return []
    invites: dict[int, MailOutbox] = {}
    manager_ids = [m.id for _, m in rows]
    mails = await session.scalars(
        select(MailOutbox)
        .where(
            MailOutbox.order_id == order_id,
            MailOutbox.manager_id.in_(manager_ids),
            MailOutbox.kind.in_(("manager_invite", "manager_added")),
            MailOutbox.status != "superseded",
        )
        .order_by(MailOutbox.id)
    )
    for mail in mails:
        invites[mail.manager_id] = mail  # type: ignore[index]  # latest wins
    views = []
    for assignment, manager in rows:
        mail = invites.get(manager.id)
        views.append(
            ManagerView(
                assignment_id=assignment.id,
                manager_id=manager.id,
                email=manager.email,
                first_name=manager.first_name,
                last_name=manager.last_name,
                phone_number=manager.phone_number,
                permissions=sort_codes(assignment.permissions or []),
                is_initial_password=manager.is_initial_password,
                is_active=manager.is_active,
                assignment_version=assignment.version,
                invite_status=mail.status if mail else None,
                invite_at=(mail.sent_at or mail.created_at) if mail else None,
                invite_error=mail.last_error if mail else "",
                invite_kind=mail.kind if mail else None,
                invite_attempts=mail.attempts if mail else 0,
                invite_next_at=mail.next_attempt_at if mail else None,
            )
        )
    return views


async def _load(session: AsyncSession, where) -> OrderDetail:  # type: ignore[no-untyped-def]
    order = (await session.scalars(select(Order).where(where))).first()
    if order is None:
        raise NotFound("no such order")
    customer = await session.get(Customer, order.customer_id) if order.customer_id else None
    count = await session.scalar(select(func.count(License.id)).where(License.order_id == order.id))
    return OrderDetail(
        id=order.id,
        store_id=order.store_id,
        reference=order.reference,
        campaign_params=order.campaign_params,
        download_id=order.download_id,
        language=order.language,
        is_test=order.is_test,
        is_trial=order.is_trial,
        order_type=order.order_type,
        metadata=order.metadata_,
        created_at=order.created_at,
        updated_at=order.updated_at,
        version=order.version,
        customer=customer_view(customer) if customer else None,
        license_count=count or 0,
        managers=await order_managers(session, order.id),
    )


async def get_order(db: Database, order_id: int) -> OrderDetail:
    async with db.sessions() as session:
        return await _load(session, Order.id == order_id)


async def get_order_by_store_id(db: Database, store_id: str) -> OrderDetail:
    if unfindable(store_id, db.dialect):
        raise NotFound(f"no order with Order ID {store_id!r}")
    async with db.sessions() as session:
        try:
            return await _load(session, Order.store_id == store_id)
        except NotFound:
            raise NotFound(f"no order with Order ID {store_id!r}") from None


def license_status(enabled: bool, validity_period: date | None, times_activated: int,
                   today: date | None = None) -> str:
    """Inactive (never activated), Active, Disabled, Expired (validity passed)."""
    if not enabled:
        return "Disabled"
    today = today or datetime.now(UTC).date()
    if validity_period is not None and validity_period < today:
        return "Expired"
    return "Active" if times_activated > 0 else "Inactive"


_LICENSE_COLUMNS = (
    License.id,
    License.license_key,
    License.user_email,
    Product.short_code,
    Product.name,
    License.license_type,
    License.enabled,
    License.times_activated,
    License.max_activations,
    License.allow_unlimited_activations,
    License.validity_period,
    License.valid_duration,
    License.start_date,
    License.is_trial,
    License.trial_days,
    License.is_floating,
    License.floating_users,
    License.max_transfers,
    License.note,
    License.created_at,
)


def license_row(r, today: date) -> LicenseRow:  # type: ignore[no-untyped-def]
    return LicenseRow(
        id=r.id,
        license_key=r.license_key,
        user_email=r.user_email,
        product_code=r.short_code,
        product_name=r.name,
        license_type=r.license_type,
        status=license_status(r.enabled, r.validity_period, r.times_activated, today),
        enabled=r.enabled,
        times_activated=r.times_activated,
        max_activations=r.max_activations,
        allow_unlimited_activations=r.allow_unlimited_activations,
        validity_period=r.validity_period,
        valid_duration=r.valid_duration,
        start_date=r.start_date,
        is_trial=r.is_trial,
        trial_days=r.trial_days,
        is_floating=r.is_floating,
        floating_users=r.floating_users,
        max_transfers=r.max_transfers,
        note=r.note,
        created_at=r.created_at,
    )


async def page_licenses(
    db: Database,
    order_id: int,
    after_id: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> Page[LicenseRow]:
    """A window of an order's licenses in issue order, keyset-paged on (order_id, id).

    ``after_id`` pages forward; ``before_id`` pages backward (rows still returned ascending).
    """
    query = (
        select(*_LICENSE_COLUMNS)
        .join(Product, Product.id == License.product_id)
        .where(License.order_id == order_id)
    )
    if before_id is not None:
        query = query.where(License.id < before_id).order_by(License.id.desc())
    else:
        if after_id is not None:
            query = query.where(License.id > after_id)
        query = query.order_by(License.id)
    query = query.limit(limit + 1)
    today = datetime.now(UTC).date()
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
    items = [license_row(r, today) for r in rows[:limit]]
    if before_id is not None:
        items.reverse()
    return Page(items, has_more=len(rows) > limit)


async def count_licenses(db: Database, order_id: int, up_to_id: int | None = None) -> int:
    """An order's licenses; with ``up_to_id`` only those with ``id <= up_to_id`` (the position
    of a keyset page, so a table can say "showing 40,001–40,100 of 50,000")."""
    query = select(func.count(License.id)).where(License.order_id == order_id)
    if up_to_id is not None:
        query = query.where(License.id <= up_to_id)
    async with db.sessions() as session:
        return (await session.scalar(query)) or 0
