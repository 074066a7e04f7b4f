"""Deterministic demo data: realistic orders, customers, licenses and managers, fast.

Same ``seed`` and ``orders`` → the same database, row for row (license keys included: drawn
from the seeded generator in the format of ``orderview.keys``, checked unique). Dates are fixed
(orders span 2023-01-01 … 2026-06-30), so snapshots stay stable. Rows are plain dicts written in
batches by ``orderview.demo_store``, one transaction per chunk of orders: ``--orders 100000``
(≈1M licenses) takes well under a minute on SQLite (docs/benchmarks.md). Search keys (``*_lc``)
are computed exactly as the services compute them (``orderview.services.normalize``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from orderview import demo_data as data
from orderview.db.engine import Database
from orderview.db.models import (
    Customer,
    Device,
    License,
    LicenseManager,
    LicensePolicy,
    MailAttempt,
    MailOutbox,
    Order,
    OrderManager,
    Product,
)
from orderview.demo_builder import START, DemoBuilder, slug
from orderview.demo_devices import insert_devices
from orderview.demo_managers import DemoManagers
from orderview.demo_store import database_is_empty, fix_sequences, insert_rows, set_passwords, wipe

DEFAULT_ORDERS = 2000
DEFAULT_SEED = 2026
ORDERS_PER_CHUNK = 5000  # one transaction each


class DemoRefused(Exception):
    """The database already holds data and ``force`` was not given."""


@dataclass(frozen=True)
class DemoStats:
    orders: int
    licenses: int
    customers: int
    managers: int
    seconds: float


def license_count_plan(rng: random.Random, orders: int) -> list[int]:
    """How many licenses each order gets: mostly a few, ~1% tens to hundreds, and at scale a
    handful of giants with tens of thousands (≈10 per order on average at 100,000 orders)."""
    small = (0, 1, 1, 1, 2, 2, 3, 4, 5, 5, 8, 10, 12, 20)
    plan = [rng.choice(small) for _ in range(orders)]
    for i in rng.sample(range(orders), max(1, orders // 100)):
        plan[i] = rng.randint(20, 600)
    giants = max(1, orders // 25_000)
    for n, i in enumerate(rng.sample(range(orders), giants)):
        plan[i] = max(50, orders // 2) if n == 0 else rng.randint(orders // 10, orders // 4)
    return plan


def _customer_picker(rng: random.Random, customers: int) -> Callable[[], int]:
    """Skewed: a few customers have many orders, most have one or two. The hostile customers
    (the first ids) are left out: they get only the orders assigned to them."""
    first = len(data.HOSTILE_CUSTOMERS) + 1
    ordinary = customers - len(data.HOSTILE_CUSTOMERS)

    def pick() -> int:
        return first + int(ordinary * rng.random() ** 2)

    return pick


async def generate_demo(
    db: Database,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoStats:
    """Fill ``db`` (schema already upgraded) with demo data. Refuses a non-empty database
    unless ``force``, which deletes everything in it first."""
    say = progress or (lambda _line: None)
    began = time.perf_counter()
    if orders < 1:
        raise ValueError("orders must be at least 1")
    if not await database_is_empty(db):
        if not force:
            raise DemoRefused(
                "the database already holds data; demo data goes only into an empty database "
                "(--force deletes everything in it first)"
            )
        say("deleting existing data (--force)")
        await wipe(db)

    b = DemoBuilder(seed, orders)
    products, policies = b.catalogue()
    n_customers = max(len(data.HOSTILE_CUSTOMERS) + 6, orders * 6 // 10)
    customers = b.customers(n_customers)
    emails = {c["id"]: c["email"] for c in customers}
    people = DemoManagers(b.rng)
    managers = people.people(max(10, orders // 20), b._unique_email, slug, START)
    async with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            await conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB for index inserts
        await insert_rows(conn, Product.__table__, products)
        await insert_rows(conn, LicensePolicy.__table__, policies)
        await insert_rows(conn, Customer.__table__, customers)
        await insert_rows(conn, LicenseManager.__table__, managers)

    plan = license_count_plan(b.rng, orders)
    pick_customer = _customer_picker(b.rng, n_customers)
    # The newest orders belong to the hostile customers, so the home screen shows them.
    hostile_orders = {
        orders - 3 * i: i + 1 for i in range(len(data.HOSTILE_CUSTOMERS)) if orders - 3 * i >= 1
    }
    total_licenses = 0
    assignment_id = 0
    for chunk_start in range(1, orders + 1, ORDERS_PER_CHUNK):
        chunk_end = min(orders, chunk_start + ORDERS_PER_CHUNK - 1)
        order_rows: list[dict[str, Any]] = []
        license_rows: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        mails: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        for n in range(chunk_start, chunk_end + 1):
            if n in hostile_orders:
                customer_id: int | None = hostile_orders[n]
            else:
                customer_id = None if b.rng.random() < 0.1 else pick_customer()
            order = b.order(n, customer_id)
            order_rows.append(order)
            license_rows.extend(
                b.licenses(order, plan[n - 1], emails.get(customer_id) if customer_id else None)
            )
            if b.rng.random() < 0.15:
                for manager in b.rng.sample(managers, b.rng.randint(1, 3)):
                    assignment_id += 1
                    assignments.append(
                        {
                            "id": assignment_id,
                            "order_id": n,
                            "manager_id": manager["id"],
                            "permissions": people.permissions(),
                            "created_at": order["created_at"],
                            "updated_at": order["created_at"],
                            "version": 1,
                        }
                    )
                    invite = people.mail(assignment_id, order, manager)
                    if invite:
                        mails.append(invite[0])
                        attempts.append(invite[1])
        async with db.engine.begin() as conn:
            if db.dialect == "sqlite":
                await conn.exec_driver_sql("PRAGMA cache_size=-262144")
            await insert_rows(conn, Order.__table__, order_rows)
            await insert_rows(conn, License.__table__, license_rows)
            await insert_devices(conn, b.devices)
            await insert_rows(conn, OrderManager.__table__, assignments)
            await insert_rows(conn, MailOutbox.__table__, mails)
            await insert_rows(conn, MailAttempt.__table__, attempts)
        total_licenses += len(license_rows)
        say(
            f"{chunk_end:>9,}/{orders:,} orders  {total_licenses:>11,} licenses  "
            f"{time.perf_counter() - began:6.1f} s"
        )

    await set_passwords(db, people.passwords())
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            await fix_sequences(
                conn,
                [
                    m.__table__
                    for m in (
                        Product,
                        LicensePolicy,
                        Customer,
                        LicenseManager,
                        Order,
                        License,
                        Device,
                        OrderManager,
                        MailOutbox,
                    )
                ],
            )
            await conn.execute(text("ANALYZE"))
    else:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")
    return DemoStats(
        orders, total_licenses, n_customers, len(managers), time.perf_counter() - began
    )
