"""The demo's rows, one task at a time (``orderview.demo_plan``), as stored tuples.

``run_task`` is what a worker process runs: it needs only the seed, the order count, the task
and the dialect's name, and returns plain tuples ready for the driver (``demo_stored``). A giant
order's row and product lines are drawn from a generator of that order alone, so the tasks that
write its licenses piece by piece can redraw them. Search keys (``*_lc``) are computed exactly as
the services compute them (``orderview.services.normalize``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from orderview import demo_data as data
from orderview import demo_plan as plan
from orderview.demo_devices import DeviceMaker
from orderview.demo_keys import demo_keys
from orderview.demo_lines import Line, pick, product_lines, stored
from orderview.demo_managers import draft
from orderview.demo_people import END, START, company, customers, mix
from orderview.demo_stored import Stored
from orderview.services.normalize import lc

_SPAN = (END - START).total_seconds()


@dataclass
class TaskRows:
    """What one task made: tuples per table (licenses as (shared, [own…]) per product line)."""

    customers: list[tuple[Any, ...]] = field(default_factory=list)
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    license_lines: list[tuple[tuple[str, ...], tuple[Any, ...], list[tuple[Any, ...]]]] = field(
        default_factory=list
    )  # (columns, the line's shared values, each license's own values)
    devices: list[tuple[Any, ...]] = field(default_factory=list)
    drafts: list[tuple[Any, ...]] = field(default_factory=list)  # manager assignments to finish
    licenses: int = 0


_LANGUAGE_POOL = [code for code, weight in data.LANGUAGES for _ in range(weight)]


def _order(
    rng: random.Random, n: int, orders: int, customer_id: int | None, st: Stored
) -> tuple[tuple[Any, ...], datetime]:
    created = START + timedelta(seconds=int(_SPAN * n / orders) + mix(n, orders) % 3600)
    updated = created + timedelta(days=rng.randint(1, 90)) if rng.random() < 0.2 else created
    roll = rng.random()
    if roll < 0.7:
        store_id = f"ORD-{100000 + n}"
    elif roll < 0.9:
        store_id = f"SHOP-{n:07d}"
    else:
        store_id = f"CRM-{2023 + n % 4}-{n:06d}"
    reference = f"PO-{rng.randint(10000, 999999)}" if rng.random() < 0.6 else ""
    api_trial = rng.random() < 0.03
    campaign = rng.choice(data.CAMPAIGNS) if rng.random() < 0.3 else ""
    download = f"dl-{rng.randint(100000, 999999)}" if rng.random() < 0.2 else ""
    language = pick(rng, _LANGUAGE_POOL)
    is_test = rng.random() < 0.03
    is_trial = api_trial or rng.random() < 0.05
    version = 1 if updated == created else rng.randint(2, 4)
    metadata = None
    if rng.random() < 0.1:
        metadata = {
            "source": rng.choice(("webshop", "crm", "reseller")),
            "invoice": f"INV-{rng.randint(1000, 99999)}",
        }
    return (
        n,
        store_id,
        lc(store_id),
        reference,
        lc(reference),
        campaign,
        download,
        language,
        st.bool(is_test),
        st.bool(is_trial),
        "api_trial" if api_trial else "normal",
        customer_id,
        st.json(metadata),
        st.dt(created),
        st.dt(updated),
        version,
    ), created


def _licenses(
    rng: random.Random,
    line: Line,
    first_id: int,
    indexes: range,
    out: TaskRows,
    st: Stored,
    devices: DeviceMaker,
) -> None:
    """Licenses ``indexes`` of a line whose first license has id ``first_id``."""
    random_ = rng.random
    start = first_id + indexes.start
    keys = None if line.by_user else demo_keys(rng, start, len(indexes))
    on, off = st.bool(True), st.bool(False)
    own: list[tuple[Any, ...]] = []
    for j, i in enumerate(indexes):
        license_id = start + j
        activated = 1 + int(random_() * line.max_activations) if random_() < 0.7 else 0
        enabled = off if random_() < 0.03 else on
        used = int(random_() * line.max_consumptions) if line.max_consumptions else 0
        note = rng.choice(data.NOTES) if random_() < 0.01 else ""
        if activated:
            devices.add(license_id, activated, line.created, line.prevent_vm)
        if keys is None:
            email = f"{line.prefix}{i}@{line.domain}"
            own.append((license_id, email, lc(email), activated, used, enabled, note))
        else:
            own.append((license_id, keys[j], activated, used, enabled, note))
    out.license_lines.append((line.columns, line.shared, own))
    out.licenses += len(own)


def _customer_of(rng: random.Random, n: int, orders: int) -> int | None:
    """Skewed: a few customers have many orders, most one or two; the hostile customers get
    only the newest orders."""
    hostile = plan.hostile_orders(orders)
    if n in hostile:
        return hostile[n]
    if rng.random() < 0.1:
        return None
    first = len(data.HOSTILE_CUSTOMERS) + 1
    ordinary = plan.customer_count(orders) - len(data.HOSTILE_CUSTOMERS)
    return first + int(ordinary * rng.random() ** 2)


def _order_and_lines(
    rng: random.Random, seed: int, n: int, orders: int, count: int, st: Stored
) -> tuple[tuple[Any, ...], Any, list[Line]]:
    customer_id = _customer_of(rng, n, orders)
    row, created = _order(rng, n, orders, customer_id, st)
    domain = company(seed, customer_id)[1] if customer_id else "users.example"
    return row, created, product_lines(rng, n, created, count, domain, st)


def order_chunk(seed: int, orders: int, task: plan.Task, st: Stored) -> TaskRows:
    out = TaskRows()
    rng = plan.rng_for(seed, "orders", task.number)
    devices = DeviceMaker(rng, START, END, st)
    big = plan.giants(seed, orders)
    n_managers = plan.manager_count(orders)
    next_id = task.first_license_id
    ids = plan.chunk_orders(orders, task.number)
    for n, count in zip(ids, plan.chunk_counts(seed, orders, task.number), strict=True):
        own_rng = plan.rng_for(seed, "order", n) if n in big else rng
        row, created, lines = _order_and_lines(own_rng, seed, n, orders, count, st)
        out.orders.append(row)
        if n not in big:
            first = next_id
            for line in lines:
                _licenses(rng, line, first, range(line.size), out, st, devices)
                first += line.size
        assignments = draft(rng, n_managers)
        if assignments:
            out.drafts.append((n, row[1], row[13], created, assignments))
        next_id += count
    out.devices = devices.rows
    return out


def giant_piece(seed: int, orders: int, task: plan.Task, st: Stored) -> TaskRows:
    """One ``LICENSES_PER_PIECE`` slice of a giant order's licenses (and their devices)."""
    out = TaskRows()
    count = plan.giants(seed, orders)[task.number]
    _, _, lines = _order_and_lines(
        plan.rng_for(seed, "order", task.number), seed, task.number, orders, count, st
    )
    rng = plan.rng_for(seed, f"giant-{task.number}", task.piece)
    devices = DeviceMaker(rng, START, END, st)
    wanted = range(
        task.piece * plan.LICENSES_PER_PIECE, min(count, (task.piece + 1) * plan.LICENSES_PER_PIECE)
    )
    offset = 0
    for line in lines:
        low, high = max(wanted.start, offset), min(wanted.stop, offset + line.size)
        if low < high:
            _licenses(
                rng,
                line,
                task.first_license_id + offset,
                range(low - offset, high - offset),
                out,
                st,
                devices,
            )
        offset += line.size
    out.devices = devices.rows
    return out


def run_task(seed: int, orders: int, task: plan.Task, dialect_name: str) -> TaskRows:
    """One task's rows (what a worker process runs)."""
    st = stored(dialect_name)
    if task.kind == "customers":
        return TaskRows(customers=customers(seed, orders, task.number, st))
    if task.kind == "orders":
        return order_chunk(seed, orders, task, st)
    return giant_piece(seed, orders, task, st)
