"""The product lines of a demo order: which product and policy, and the values its licenses
share, in stored form.

A line's shared values depend on the product, the policy and a few dates: everything but the
dates is built once per (product, policy, start-date choice) as a ``Shape`` and copied per line,
instead of merging the policy's forty fields into a dict for each of a million orders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from orderview import demo_data as data
from orderview.db.models import License, LicensePolicy, Product
from orderview.demo_people import END
from orderview.demo_stored import KEY_OWN, LICENSE_SHARED, USER_OWN, Stored

_DURATION_DAYS = {"d": 1, "m": 30, "y": 365}
_DATES = frozenset({"validity_period", "start_date", "maintenance_period"})


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


def pick(rng: random.Random, pool: list[Any]) -> Any:
    return pool[int(rng.random() * len(pool))]


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
    st = stored(dialect_name)
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


def product_lines(
    rng: random.Random, n: int, created: Any, count: int, domain: str, st: Stored
) -> list[Line]:
    """The order's product lines: one, sometimes two, from weighted policies."""
    lines = 2 if count > 3 and rng.random() < 0.2 else 1
    remaining, out = count, []
    for line in range(lines):
        size = remaining if line == lines - 1 else rng.randint(1, remaining - 1)
        remaining -= size
        product_index = pick(rng, _PRODUCT_POOL)
        code = pick(rng, _POLICY_POOL)
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


@lru_cache(maxsize=2)
def stored(dialect_name: str) -> Stored:
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
