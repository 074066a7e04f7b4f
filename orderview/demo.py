"""Deterministic demo data: realistic orders, customers, licenses, devices and managers, fast.

Same ``seed`` and ``orders`` → the same database, row for row, on SQLite and PostgreSQL alike.
The work is cut into tasks (``orderview.demo_plan``), each drawing from a generator seeded from
the seed and the task alone, so the rows do not depend on where or when a task runs: a large
demo generates in worker processes while this process writes (2 cores: one generates, one
writes), a small one generates here (starting a worker costs more than a 2,000-order demo).
Results are taken in task order and at most a few tasks ahead, so memory stays flat whatever
``--orders`` is. Rows reach the database as plain tuples in stored form through each database's
fast path: one transaction of prepared inserts on SQLite (``demo_sqlite``), ``COPY`` on
PostgreSQL (``demo_pg``). Dates are fixed (orders span 2023-01-01 … 2026-06-30), so snapshots
stay stable. Figures: docs/benchmarks.md ("Generating ten million licenses").
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from orderview import demo_plan as plan
from orderview.db.engine import Database
from orderview.db.models import LicensePolicy, MailAttempt, MailOutbox, OrderManager
from orderview.demo_lines import catalogue_rows
from orderview.demo_managers import ManagerDesk
from orderview.demo_people import managers
from orderview.demo_pg import PostgresSink
from orderview.demo_plan import license_count_plan
from orderview.demo_progress import Tally
from orderview.demo_rows import TaskRows, run_task
from orderview.demo_sqlite import SQLiteSink
from orderview.demo_store import database_is_empty, wipe
from orderview.demo_stored import TABLES, Stored, columns

__all__ = ["DemoRefused", "DemoStats", "generate_demo", "license_count_plan"]

DEFAULT_ORDERS = 2000
DEFAULT_SEED = 2026
# What the same seed generates: bumped with every change to the rows it gives (benchmark caches
# made by another generator are generated again: benchmarks/common.py).
GENERATOR = "2026-12-04 tasks"
INLINE_UP_TO = 20_000  # orders: below this, worker start-up costs more than it saves
# Tasks each worker may have finished or in hand beyond the one being written. One is enough to
# keep the worker busy (it generates a task faster than this process writes one); each one more
# is another task's rows waiting here (2 → 1: peak −18 MB at 400,000 orders, docs/benchmarks.md).
AHEAD = 1


class DemoRefused(Exception):
    """The database already holds data and ``force`` was not given."""


@dataclass(frozen=True)
class DemoStats:
    orders: int
    licenses: int
    customers: int
    managers: int
    seconds: float


def default_workers(orders: int) -> int:
    if orders <= INLINE_UP_TO:
        return 0
    return max(1, (os.cpu_count() or 1) - 1)


async def _produce(
    tasks: list[plan.Task], seed: int, orders: int, dialect: str, workers: int
) -> AsyncIterator[TaskRows]:
    """Every task's rows, in task order."""
    if workers == 0:
        for task in tasks:
            yield run_task(seed, orders, task, dialect)
            await asyncio.sleep(0)  # let the previous task's write proceed
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process running threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        window: deque[Future[TaskRows]] = deque()
        todo = iter(tasks)
        try:
            for task in todo:
                window.append(pool.submit(run_task, seed, orders, task, dialect))
                if len(window) > workers * AHEAD:
                    yield await asyncio.wrap_future(window.popleft())
            while window:
                yield await asyncio.wrap_future(window.popleft())
        finally:
            for future in window:
                future.cancel()


def _batches(rows: TaskRows, desk: ManagerDesk) -> list[tuple[str, tuple[str, ...], Any]]:
    out: list[tuple[str, tuple[str, ...], Any]] = []
    if rows.customers:
        out.append(("customers", columns(TABLES["customers"]), rows.customers))
    if rows.orders:
        out.append(("orders", columns(TABLES["orders"]), rows.orders))
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for cols, shared, owns in rows.license_lines:
        group = groups.setdefault(cols, [])
        group += [own + shared for own in owns]
    out += [("licenses", cols, group) for cols, group in groups.items()]
    if rows.devices:
        out.append(("devices", columns(TABLES["devices"]), rows.devices))
    if rows.drafts:
        assignments, mails, attempts = desk.finish(rows.drafts)
        for table, batch in (
            (OrderManager.__table__, assignments),
            (MailOutbox.__table__, mails),
            (MailAttempt.__table__, attempts),
        ):
            if batch:
                out.append((table.name, columns(table), batch))
    return out


async def generate_demo(
    db: Database,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    progress: Callable[[Tally], None] | None = None,
    note: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> DemoStats:
    """Fill ``db`` (schema already upgraded) with demo data. Refuses a non-empty database
    unless ``force``, which deletes everything in it first. ``workers``: generating processes
    (0: generate in this one; default by size)."""
    say = note or (lambda _line: None)
    report = progress or (lambda _tally: None)
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

    tasks, total_licenses = plan.tasks(seed, orders)
    st = Stored(db.dialect)
    sink: SQLiteSink | PostgresSink = SQLiteSink(db) if db.dialect == "sqlite" else PostgresSink(db)
    people, emails = managers(seed, orders, st)
    desk = ManagerDesk(emails, st)
    products, policies = catalogue_rows(st)
    await sink.start()
    try:
        await sink.write(
            [
                ("products", columns(TABLES["products"]), products),
                ("license_policies", columns(LicensePolicy.__table__), policies),
                ("license_managers", columns(TABLES["license_managers"]), people),
            ]
        )
        written = len(products) + len(policies) + len(people)
        licenses = done_orders = 0
        pending: asyncio.Future[None] | None = None
        shown = Tally(written, 0, total_licenses, 0, orders, 0.0)
        chosen = default_workers(orders) if workers is None else workers
        async for rows in _produce(tasks, seed, orders, db.dialect, chosen):
            batches = _batches(rows, desk)
            licenses += rows.licenses
            done_orders += len(rows.orders)
            del rows  # the licenses' own values: only their joined rows in `batches` go on
            if pending is not None:
                await pending  # the previous task is written: show it
                report(replace(shown, seconds=time.perf_counter() - began))
            pending = asyncio.ensure_future(sink.write(batches))
            written += sum(len(b[2]) for b in batches)
            shown = Tally(written, licenses, total_licenses, done_orders, orders, 0.0)
        if pending is not None:
            await pending
        report(replace(shown, seconds=time.perf_counter() - began))
        await sink.set_passwords(desk.passwords(plan.rng_for(seed, "passwords", 0)))
        say("building indexes and checking constraints …")
        await sink.finish()
    except BaseException:
        await sink.abort()
        raise
    return DemoStats(
        orders,
        licenses,
        plan.customer_count(orders),
        len(people),
        time.perf_counter() - began,
    )
