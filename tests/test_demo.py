"""The demo generator: realistic coverage, valid search keys, determinism, refusing real data."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import (
    Base,
    Customer,
    Device,
    License,
    LicenseManager,
    LicensePolicy,
    MailOutbox,
    Order,
    OrderManager,
    Product,
)
from orderview.demo import DemoRefused, generate_demo, license_count_plan
from orderview.demo_progress import Tally
from orderview.keys import is_valid_key
from orderview.permissions import PERMISSION_CODES
from orderview.services import orders
from orderview.services.normalize import customer_keys, lc
from tests import factories as f


async def _all(db: Database, query):
    async with db.sessions() as s:
        return (await s.execute(query)).all()


async def test_demo_covers_the_domain(db: Database) -> None:
    tallies: list[Tally] = []
    stats = await generate_demo(db, 300, seed=7, progress=tallies.append)
    assert stats.orders == 300 and tallies
    last = tallies[-1]
    assert (last.orders, last.licenses) == (300, stats.licenses) == (300, last.total_licenses)
    assert all(a.rows <= b.rows for a, b in pairwise(tallies))

    methods = {m for (m,) in await _all(db, select(Product.authorization_method))}
    assert methods == {"license-key", "user"}
    types = {t for (t,) in await _all(db, select(LicensePolicy.license_type))}
    assert types == {"perpetual", "time-limited", "subscription", "consumption"}
    defaults = await _all(
        db,
        select(LicensePolicy.product_id, func.count())
        .where(LicensePolicy.is_default)
        .group_by(LicensePolicy.product_id),
    )
    assert len(defaults) == len(await _all(db, select(Product.id)))
    assert all(n == 1 for _, n in defaults)

    lic = await _all(
        db,
        select(
            License.license_key, License.user_email, License.license_type, License.validity_period
        ),
    )
    assert len(lic) == stats.licenses
    keys = [k for k, _, _, _ in lic if k is not None]
    assert keys and all(is_valid_key(k) for k in keys) and len(set(keys)) == len(keys)
    assert all((k is None) != (u is None) for k, u, _, _ in lic)  # a key or a user, never both
    assert {t for _, _, t, _ in lic} == types
    assert all(v is not None for _, _, t, v in lic if t in ("time-limited", "subscription"))

    per_order = dict(
        await _all(
            db,
            select(Order.id, func.count(License.id))
            .outerjoin(License, License.order_id == Order.id)
            .group_by(Order.id),
        )
    )
    assert min(per_order.values()) == 0 and max(per_order.values()) >= 150

    order_rows = await _all(db, select(Order))
    o = [r[0] for r in order_rows]
    assert any(x.customer_id is None for x in o) and any(x.customer_id for x in o)
    assert any(x.is_test for x in o) and any(x.is_trial for x in o)
    assert any(x.order_type == "api_trial" for x in o)
    assert any(x.campaign_params for x in o) and any(x.download_id for x in o)
    assert any(x.reference for x in o) and any(x.metadata_ for x in o)
    assert all(x.store_id_lc == lc(x.store_id) and x.reference_lc == lc(x.reference) for x in o)

    customers = [r[0] for r in await _all(db, select(Customer))]
    for c in customers:
        keys_now = {
            "email_lc": c.email_lc,
            "name_lc": c.name_lc,
            "last_name_lc": c.last_name_lc,
            "company_lc": c.company_lc,
        }
        assert keys_now == customer_keys(c.email, c.first_name, c.last_name, c.company_name)
    companies = {c.company_name for c in customers}
    assert "[/b] ACME [Ltd]" in companies and any("\x1b" in name for name in companies)

    perms = await _all(db, select(OrderManager.permissions))
    assert perms and all(p and set(p) <= set(PERMISSION_CODES) for (p,) in perms)
    assert await _all(db, select(LicenseManager.id))
    statuses = {s for (s,) in await _all(db, select(MailOutbox.status))}
    assert statuses == {"sent", "failed"}  # never "queued": a demo must not send real mail
    invited = (await _all(db, select(MailOutbox.order_id).where(MailOutbox.status == "sent")))[0][0]
    detail = await orders.get_order(db, invited)
    assert any(m.invite_status == "sent" for m in detail.managers)

    # every activation is a device: times_activated is the number of the license's devices
    activations = dict(await _all(db, select(License.id, License.times_activated)))
    devices = dict(
        await _all(db, select(Device.license_id, func.count(Device.id)).group_by(Device.license_id))
    )
    assert devices and all(devices.get(i, 0) == n for i, n in activations.items())
    device_rows = [r[0] for r in await _all(db, select(Device))]
    assert any(d.is_vm for d in device_rows) and not all(d.is_vm for d in device_rows)
    assert all(d.first_seen_at <= d.last_seen_at for d in device_rows)
    assert len({d.identifier for d in device_rows}) == len(device_rows)

    newest = (await orders.search_orders(db, "")).items[0]
    assert newest.customer == "[/b] ACME [Ltd]"  # the home screen shows a hostile name
    found = await orders.search_orders(db, keys[len(keys) // 2].lower())
    assert len(found.items) == 1


async def _snapshot(db: Database) -> dict[str, list[tuple]]:
    out = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(table.select().order_by(table.c.id))).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


async def _fresh(path: Path) -> Database:
    db = open_database(str(path))
    await ensure_schema(db)
    return db


async def test_same_seed_same_database(tmp_path: Path) -> None:
    snaps = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        db = await _fresh(tmp_path / f"{name}.db")
        await generate_demo(db, 120, seed=seed)
        snaps.append(await _snapshot(db))
        await db.dispose()
    assert snaps[0] == snaps[1]
    assert snaps[0]["licenses"]
    keys = {name: {r[4] for r in s["licenses"]} for name, s in zip("abc", snaps, strict=True)}
    assert not (keys["a"] - {None}) & (keys["c"] - {None})  # another seed, other keys


async def test_refuses_data_unless_forced(db: Database) -> None:
    _product_id, _ = await f.add_product(db, code="REAL")
    await f.add_order(db, "REAL-1")
    with pytest.raises(DemoRefused, match="--force"):
        await generate_demo(db, 20)
    stats = await generate_demo(db, 20, force=True)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Order.id))) == 20
        assert await s.scalar(select(func.count()).where(Order.store_id == "REAL-1")) == 0
        assert await s.scalar(select(func.count(License.id))) == stats.licenses
    # Explicit ids must not leave PostgreSQL's sequences behind: ordinary inserts still work.
    new_order = await f.add_order(db, "AFTER-DEMO")
    await f.add_customer(db, email="new@after.example")
    assert new_order == 21


def test_license_plan_at_scale() -> None:
    plan = license_count_plan(1, 100_000)
    assert 8 <= sum(plan) / len(plan) <= 12  # ≈ a million licenses for 100,000 orders
    assert sorted(plan)[-4] >= 10_000  # a few giants with tens of thousands
    assert plan.count(0) > 1000  # and orders without licenses
