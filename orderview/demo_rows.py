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
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from orderview import demo_data as data
from orderview import demo_plan as plan
from orderview.db.models import License, LicensePolicy, Product
from orderview.demo_devices import DeviceMaker
from orderview.demo_keys import demo_keys
from orderview.demo_managers import draft
from orderview.demo_people import END, START, company, customers, mix
from orderview.demo_stored import KEY_OWN, LICENSE_SHARED, USER_OWN, Stored
from orderview.services.normalize import lc

_DURATION_DAYS = {"d": 1, "m": 30, "y": 365}
_DATES = frozenset({"validity_period", "start_date", "maintenance_period"})
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


def _days(duration: str | None) -> int:
    return int(duration[:-1]) * _DURATION_DAYS[duration[-1]] if duration else 0


@lru_cache(maxsize=1)
def catalogue() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Products and their policies (no randomness: the same for every seed)."""
    products: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for product_id, p in enumerate(data.PRODUCTS, start=1):
        products.append(
            {
                "id": product_id,
                "name": p.name,
                "short_code": p.short_code,
                "authorization_method": p.authorization_method,
                "active": p.active,
            }
        )
        for pol in data.POLICIES:
            defaults = {
                k: v for k, v in data.LICENSE_DEFAULTS.items() if k in LicensePolicy.__table__.c
            }
            policies.append(
                {
                    **defaults,
                    **pol.values,
                    "id": len(policies) + 1,
                    "product_id": product_id,
                    "name": f"{p.name} {pol.name}",
                    "code": pol.code,
                    "is_default": pol.is_default,
                }
            )
    return products, policies


_PRODUCT_POOL = [i for i, p in enumerate(data.PRODUCTS) for _ in range(p.weight)]
_POLICY_POOL = [code for code, weight in data.POLICY_WEIGHTS.items() for _ in range(weight)]
_LANGUAGE_POOL = [code for code, weight in data.LANGUAGES for _ in range(weight)]


def _pick(rng: random.Random, pool: list[Any]) -> Any:
    return pool[int(rng.random() * len(pool))]


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
    language = _pick(rng, _LANGUAGE_POOL)
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


@dataclass(frozen=True)
class Line:
    """One product line of an order: values its licenses share, and how to vary the rest."""

    columns: tuple[str, ...]  # own columns, then the shared ones
    shared: tuple[Any, ...]
    size: int
    by_user: bool
    max_activations: int
    max_consumptions: int  # 0: not a consumption license
    prevent_vm: bool
    created: Any  # datetime (devices count hours from it)
    domain: str
    prefix: str  # user e-mail local part before the running number


_VARYING = (
    "order_id",
    "created_at",
    "updated_at",
    "validity_period",
    "maintenance_period",
    "start_date",
)
_SET_PER_LINE = object()  # in a shape: a value each line fills in


@dataclass(frozen=True)
class Shape:
    """What every line of one product, policy and start-date choice shares: its INSERT
    columns, their stored values, and where the per-line values go."""

    columns: tuple[str, ...]
    base: list[Any]
    where: dict[str, int]
    by_user: bool
    max_activations: int
    max_consumptions: int
    prevent_vm: bool
    validity_days: int
    maintenance_days: int


@cache
def _shape(product_index: int, code: str, has_start: bool, dialect_name: str) -> Shape:
    products, policies = catalogue()
    product = products[product_index]
    policy = policies[product_index * len(data.POLICIES) + _POLICY_CODES.index(code)]
    values = {
        **data.LICENSE_DEFAULTS,
        **{k: v for k, v in policy.items() if k in data.LICENSE_DEFAULTS},
        "product_id": product["id"],
        "policy_id": policy["id"],
        "metadata": None,
        "version": 1,
    }
    kind = values["license_type"]
    for name in ("order_id", "created_at", "updated_at"):
        values[name] = _SET_PER_LINE
    if kind in ("time-limited", "subscription"):
        values["validity_period"] = _SET_PER_LINE
    if values["maintenance_duration"]:
        values["maintenance_period"] = _SET_PER_LINE
    if has_start:
        values["start_date"] = _SET_PER_LINE
    named = [name for name in LICENSE_SHARED if values[name] is not None]
    st = _stored(dialect_name)
    by_user = product["authorization_method"] == "user"
    return Shape(
        (USER_OWN if by_user else KEY_OWN) + tuple(named),
        [_shared_value(name, values[name], st) for name in named],
        {name: named.index(name) for name in _VARYING if name in named},
        by_user,
        values["max_activations"] or 5,
        (values["max_consumptions"] or 0) if kind == "consumption" else 0,
        values["prevent_vm"],
        _days(values["valid_duration"]) if kind == "time-limited" else 0,
        _days(values["maintenance_duration"]),
    )


def _lines(
    rng: random.Random, n: int, created: Any, count: int, domain: str, st: Stored
) -> list[Line]:
    """The order's product lines: one, sometimes two, from weighted policies."""
    lines = 2 if count > 3 and rng.random() < 0.2 else 1
    remaining, out = count, []
    for line in range(lines):
        size = remaining if line == lines - 1 else rng.randint(1, remaining - 1)
        remaining -= size
        product_index = _pick(rng, _PRODUCT_POOL)
        code = _pick(rng, _POLICY_POOL)
        issued = created + timedelta(days=line * rng.randint(1, 60))
        day = issued.date()
        renewed = rng.random() < 0.7 if _KIND[code] == "subscription" else False
        renewal = rng.randint(1, 60) if renewed else 0
        shape = _shape(product_index, code, rng.random() < 0.05, st.dialect_name)
        values, where = shape.base.copy(), shape.where
        values[where["order_id"]] = n
        values[where["created_at"]] = values[where["updated_at"]] = st.dt(issued)
        if "validity_period" in where:
            if _KIND[code] == "time-limited":
                valid = day + timedelta(days=shape.validity_days)
            else:
                valid = (
                    END.date() + timedelta(days=renewal) if renewed else day + timedelta(days=30)
                )
            values[where["validity_period"]] = st.date(valid)
        if "maintenance_period" in where:
            values[where["maintenance_period"]] = st.date(
                day + timedelta(days=shape.maintenance_days)
            )
        if "start_date" in where:
            values[where["start_date"]] = st.date(day + timedelta(days=7))
        out.append(
            Line(
                shape.columns,
                tuple(values),
                size,
                shape.by_user,
                shape.max_activations,
                shape.max_consumptions,
                shape.prevent_vm,
                issued,
                domain,
                f"user{n}.{line}.",
            )
        )
    return out


_POLICY_CODES = [p.code for p in data.POLICIES]
_KIND = {p.code: p.values.get("license_type", "perpetual") for p in data.POLICIES}
_BOOL_COLUMNS = frozenset(c.name for c in License.__table__.c if c.type.python_type is bool)


def _shared_value(name: str, value: Any, st: Stored) -> Any:
    if value is _SET_PER_LINE:
        return None
    if name in _DATES:
        return st.date(value)
    if name in _BOOL_COLUMNS:
        return st.bool(value)
    return value


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
    return row, created, _lines(rng, n, created, count, domain, st)


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
    st = _stored(dialect_name)
    if task.kind == "customers":
        return TaskRows(customers=customers(seed, orders, task.number, st))
    if task.kind == "orders":
        return order_chunk(seed, orders, task, st)
    return giant_piece(seed, orders, task, st)


@lru_cache(maxsize=2)
def _stored(dialect_name: str) -> Stored:
    return Stored(dialect_name)


def catalogue_rows(st: Stored) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Products and policies as stored tuples in their tables' column order."""
    products, policies = catalogue()
    out = []
    for rows, table in ((products, Product.__table__), (policies, LicensePolicy.__table__)):
        out.append(
            [
                tuple(
                    st.bool(row[c.name])
                    if c.type.python_type is bool
                    else st.date(row.get(c.name))
                    if c.type.python_type is date
                    else row.get(c.name)
                    for c in table.c
                )
                for row in rows
            ]
        )
    return out[0], out[1]
