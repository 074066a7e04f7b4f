"""Reading orders: load one with its customer and managers, page its licenses; searching is
``orderview.services.order_search`` (re-exported here: callers use ``orders.search_orders``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

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
from orderview.services.normalize import lc, unfindable
from orderview.services.order_search import (
    SEARCH_LIMIT,
    recent_orders,
    search_more,
    search_orders,
    starts_with,
)
from orderview.services.views import (
    CustomerView,
    LicenseRow,
    ManagerView,
    OrderDetail,
    Page,
)

__all__ = [
    "SEARCH_LIMIT",
    "count_licenses",
    "customer_view",
    "get_order",
    "get_order_by_store_id",
    "license_row",
    "license_status",
    "order_managers",
    "page_licenses",
    "recent_orders",
    "search_more",
    "search_orders",
    "starts_with",
]


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
    for sent in mails:
        if sent.manager_id is not None:  # always: the query asked for these managers' mail
            invites[sent.manager_id] = sent  # latest wins
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


async def _load(session: AsyncSession, where: ColumnElement[bool]) -> OrderDetail:
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
    """The order with this Order ID, ignoring case (Order IDs are unique regardless of case)."""
    if unfindable(store_id, db.dialect):
        raise NotFound(f"no order with Order ID {store_id!r}")
    async with db.sessions() as session:
        try:
            return await _load(session, Order.store_id_lc == lc(store_id))
        except NotFound:
            raise NotFound(f"no order with Order ID {store_id!r}") from None


def license_status(
    enabled: bool, validity_period: date | None, times_activated: int, today: date | None = None
) -> str:
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


def license_row(r: Any, today: date) -> LicenseRow:
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
