"""Customers: search for the picker, create-and-link, edit, relink and unlink.

Every write is one transaction with one audit event per row it changes (creating a customer for
an order is two: ``created`` on the customer and ``linked`` on the order), each carrying the
order concerned so the order's History shows it. Emails are unique case-insensitively
(``email_lc``); an email already used by another customer raises ``EmailTaken``, which names
that customer so the dialog can offer to link it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import Customer, Order
from orderview.roles import require
from orderview.schemas.customer import (
    CUSTOMER_FIELDS,
    validate_customer_changes,
    validate_new_customer,
)
from orderview.services import audit
from orderview.services.errors import FieldErrors, NotFound
from orderview.services.normalize import customer_keys, lc, unfindable
from orderview.services.order_edit import lock_order
from orderview.services.orders import customer_view, get_order, starts_with
from orderview.services.rows import view_by_id
from orderview.services.versioning import bump, lock_versioned
from orderview.services.views import CustomerView, OrderDetail

PICKER_PAGE = 20

_SEARCH_COLUMNS = {
    "email": Customer.email_lc,
    "name": Customer.name_lc,
    "last_name": Customer.last_name_lc,
    "company": Customer.company_lc,
}


class EmailTaken(FieldErrors):
    """The email belongs to another customer; ``customer`` is that one (offer to link it)."""

    def __init__(self, customer: CustomerView) -> None:
        self.customer = customer
        self.customer_id = customer.id
        super().__init__(
            {
                "email": (
                    f"already belongs to customer #{customer.id} "
                    f"({customer.display_name}); link that customer instead"
                )
            }
        )


@dataclass(frozen=True, slots=True)
class CustomerMatches:
    """One page of picker results; pass ``cursor`` back for the next page.

    Each of the four indexed prefix searches (email, full name, last name, company) resumes
    where it stopped, so a later page may repeat a customer that matched two ways: callers
    keep the first occurrence.
    """

    items: list[CustomerView]
    cursor: tuple[tuple[str, str, int], ...] = ()

    @property
    def has_more(self) -> bool:
        return bool(self.cursor)


async def search_customers(
    db: Database,
    text: str,
    cursor: tuple[tuple[str, str, int], ...] | None = None,
    limit: int = PICKER_PAGE,
) -> CustomerMatches:
    """Customers whose email, name, last name or company starts with ``text`` (any case),
    ordered by email; an empty text lists every customer by email."""
    if unfindable(text, db.dialect):
        return CustomerMatches([], ())
    needle = lc(text)
    if cursor is not None:
        positions: dict[str, tuple[str, int] | None] = {s: (k, i) for s, k, i in cursor}
    elif needle:
        positions = dict.fromkeys(_SEARCH_COLUMNS)
    else:
        positions = {"email": None}
    found: dict[int, Customer] = {}
    resume: list[tuple[str, str, int]] = []
    async with db.sessions() as session:
        for source, position in positions.items():
            column = _SEARCH_COLUMNS[source]
            query = select(Customer).where(starts_with(column, needle))
            if position is not None:
                key, last_id = position
                query = query.where(or_(column > key, and_(column == key, Customer.id > last_id)))
            rows = list(await session.scalars(query.order_by(column, Customer.id).limit(limit + 1)))
            if len(rows) > limit:
                last = rows[limit - 1]
                resume.append((source, getattr(last, column.key), last.id))
            for row in rows[:limit]:
                found.setdefault(row.id, row)
    items = sorted(
        (customer_view(c) for c in found.values()), key=lambda c: (c.email.lower(), c.id)
    )
    return CustomerMatches(items, tuple(resume))


async def get_customer(db: Database, customer_id: int) -> CustomerView:
    return await view_by_id(db, Customer, customer_id, customer_view, "no such customer")


async def count_other_orders(db: Database, customer_id: int, order_id: int | None = None) -> int:
    """How many orders besides ``order_id`` share this customer (an edit changes them all)."""
    query = select(func.count(Order.id)).where(Order.customer_id == customer_id)
    if order_id is not None:
        query = query.where(Order.id != order_id)
    async with db.sessions() as session:
        return (await session.scalar(query)) or 0


async def _owner_of_email(
    session: AsyncSession, email: str, except_id: int | None
) -> Customer | None:
    query = select(Customer).where(Customer.email_lc == lc(email))
    if except_id is not None:
        query = query.where(Customer.id != except_id)
    return await session.scalar(query)


async def _email_taken_after_race(
    db: Database, email: str, except_id: int | None, error: IntegrityError
) -> EmailTaken:
    """Another operator took the email between our check and our write (PostgreSQL)."""
    async with db.sessions() as session:
        owner = await _owner_of_email(session, email, except_id)
    if owner is None:
        raise error
    return EmailTaken(customer_view(owner))


async def add_customer(
    session: AsyncSession,
    actor: str,
    fields: dict[str, Any],
    *,
    summary: str,
    changes: dict[str, list[Any]],
    order: Order | None = None,
    created_at: datetime | None = None,
) -> Customer:
    """Insert a customer (``fields`` and their search keys) and record its ``created`` event,
    naming ``order`` when it is made for one. ``created_at``, when given, is both its created
    and updated time (else each column's default)."""
    keys = customer_keys(
        fields["email"], fields["first_name"], fields["last_name"], fields["company_name"]
    )
    when = {} if created_at is None else {"created_at": created_at, "updated_at": created_at}
    customer = Customer(**fields, **keys, **when)
    session.add(customer)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="created",
        entity="customer",
        entity_id=customer.id,
        entity_version=customer.version,
        order_id=order.id if order is not None else None,
        order_store_id=order.store_id if order is not None else None,
        summary=summary,
        changes=changes,
    )
    return customer


def _link(
    session: AsyncSession,
    actor: str,
    order: Order,
    old: Customer | None,
    new: Customer | None,
) -> None:
    """Point ``order`` at ``new`` (or at nothing) and record it: ``linked`` or ``unlinked``."""
    order.customer_id = new.id if new is not None else None
    bump(order)
    changes: dict[str, list[Any]] = {
        "customer": [old.email if old else None, new.email if new else None],
        "customer_id": [old.id if old else None, new.id if new else None],
    }
    if new is not None:
        action, summary = "linked", f"Customer {new.email} linked to order {order.store_id}"
    else:
        action = "unlinked"
        summary = f"Customer {old.email if old else ''} unlinked from order {order.store_id}"
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="order",
        entity_id=order.id,
        entity_version=order.version,
        order_id=order.id,
        order_store_id=order.store_id,
        summary=summary,
        changes=changes,
    )


async def create_customer(
    db: Database,
    actor: str,
    order_id: int,
    expected_order_version: int,
    fields: dict[str, Any],
) -> OrderDetail:
    """Create a customer and link it to the order, in one transaction (replacing any link)."""
    require(actor, "edit_customer")
    clean = validate_new_customer(fields)
    try:
        async with db.write() as session:
            order = await lock_order(session, order_id, expected_order_version)
            owner = await _owner_of_email(session, clean["email"], None)
            if owner is not None:
                raise EmailTaken(customer_view(owner))
            old = await session.get(Customer, order.customer_id) if order.customer_id else None
            customer = await add_customer(
                session,
                actor,
                clean,
                summary=f"Customer {clean['email']} created",
                changes={name: [None, value] for name, value in clean.items() if value},
                order=order,
            )
            _link(session, actor, order, old, customer)
    except IntegrityError as exc:
        raise await _email_taken_after_race(db, clean["email"], None, exc) from None
    return await get_order(db, order_id)


async def update_customer(
    db: Database,
    actor: str,
    customer_id: int,
    expected_version: int,
    changes: dict[str, Any],
    order_id: int | None = None,
) -> CustomerView:
    """Change any customer fields (the change applies to every order sharing the customer).

    ``order_id`` is the order the operator edited it from; the audit event names it so that
    order's History shows the change.
    """
    require(actor, "edit_customer")
    clean = validate_customer_changes(changes)
    try:
        async with db.write() as session:
            customer = await lock_versioned(
                session,
                Customer,
                customer_id,
                expected_version,
                entity="customer",
                missing="no such customer",
            )
            old = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
            delta = audit.diff(old, clean)
            if "email" in delta and lc(delta["email"][0]) != lc(delta["email"][1]):
                owner = await _owner_of_email(session, clean["email"], customer.id)
                if owner is not None:
                    raise EmailTaken(customer_view(owner))
            if delta:
                for name, (_, new) in delta.items():
                    setattr(customer, name, new)
                for name, value in customer_keys(
                    customer.email, customer.first_name, customer.last_name, customer.company_name
                ).items():
                    setattr(customer, name, value)
                bump(customer)
                store_id = None
                if order_id is not None:
                    store_id = await session.scalar(
                        select(Order.store_id).where(Order.id == order_id)
                    )
                audit.record(
                    session,
                    actor=actor,
                    action="updated",
                    entity="customer",
                    entity_id=customer.id,
                    entity_version=customer.version,
                    order_id=order_id if store_id is not None else None,
                    order_store_id=store_id,
                    summary=f"Customer {customer.email} updated",
                    changes=delta,
                )
                await session.flush()
            view = customer_view(customer)
    except IntegrityError as exc:
        if "email" not in clean:
            raise
        raise await _email_taken_after_race(db, clean["email"], customer_id, exc) from None
    return view


async def link_customer(
    db: Database, actor: str, order_id: int, expected_version: int, customer_id: int
) -> OrderDetail:
    """Make an existing customer the order's customer (replacing any other)."""
    require(actor, "edit_customer")
    async with db.write() as session:
        order = await lock_order(session, order_id, expected_version)
        if order.customer_id != customer_id:
            new = await session.get(Customer, customer_id)
            if new is None:
                raise NotFound("no such customer")
            old = await session.get(Customer, order.customer_id) if order.customer_id else None
            _link(session, actor, order, old, new)
    return await get_order(db, order_id)


async def unlink_customer(
    db: Database, actor: str, order_id: int, expected_version: int
) -> OrderDetail:
    """Leave the order without a customer (the customer itself stays)."""
    require(actor, "edit_customer")
    async with db.write() as session:
        order = await lock_order(session, order_id, expected_version)
        if order.customer_id is not None:
            old = await session.get(Customer, order.customer_id)
            _link(session, actor, order, old, None)
    return await get_order(db, order_id)
