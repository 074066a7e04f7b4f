"""Snapshots of the orders screen and the four order tabs at 80×24, with fixed data.

Everything shown is pinned: dates (factories.T0), license keys, validity dates far from today.
Regenerate after an intended change with ``pytest tests/test_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from orderview.screens.order import OrderScreen
from textual.pilot import Pilot

from orderview.db.engine import open_database
from tests import factories as f
from tests.ui_support import SIZE, make_app, wait_for

KEYS = [f"SNAP-KEY{i:01d}-ABCD-EFG{i:01d}" for i in range(8)]


async def seed(path: Path) -> None:
    db = open_database(str(path))
    product, _ = await f.add_product(db, code="CAD", name="CAD Studio")
    _users, _ = await f.add_product(db, code="SYNC", name="Sync Cloud", method="user")
    acme = await f.add_customer(
        db,
        email="buyer@acme.example",
        first_name="Ada",
        last_name="Byron",
        company_name="ACME [Ltd]",
        phone="+44 20 7946 0000",
        reference="CRM-881",
        address="1 Engine Way",
        city="London",
        state="",
        postcode="N1 9GU",
        country="GB",
        created_at=f.T0,
        updated_at=f.T0,
    )
    order = await f.add_order(
        db,
        "ORD-1001",
        reference="PO-77",
        customer_id=acme,
        campaign_params="cpg=web,src=google.com",
        download_id="DL-5",
        language="en",
        is_trial=True,
    )
    await f.add_licenses(
        db,
        order,
        product,
        4,
        keys=KEYS[:4],
        validity_period=date(2099, 1, 1),
        max_activations=3,
        times_activated=1,
    )
    await f.add_licenses(db, order, product, 2, keys=KEYS[4:6], validity_period=date(2020, 1, 1))
    await f.add_licenses(
        db,
        order,
        product,
        2,
        keys=KEYS[6:8],
        enabled=False,
        license_type="time-limited",
        valid_duration="35d",
    )
    await f.add_manager(
        db, order, permissions=["manage_license_users", "reset_device", "reset_license"]
    )
    for i in range(1, 6):
        await f.add_order(
            db,
            f"ORD-10{i:02d}-B",
            reference=f"REF-{i}",
            created_at=f.T0 - timedelta(days=i),
            is_test=i % 2 == 0,
        )
    await db.dispose()


@pytest.fixture
def snap_db(sqlite_path: Path):
    asyncio.run(seed(sqlite_path))
    db = open_database(str(sqlite_path))
    yield db
    asyncio.run(db.dispose())


async def settle(pilot: Pilot) -> None:
    """Let the throttled status line paint its last text."""
    await pilot.pause(0.35)
    await pilot.pause()


def test_orders_screen(snap_compare, snap_db) -> None:
    async def ready(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.screen.table.row_count == 6)
        await settle(pilot)

    assert snap_compare(make_app(snap_db), terminal_size=SIZE, run_before=ready)


@pytest.mark.parametrize("tab", ["details", "customer", "licenses", "managers"])
def test_order_tab(snap_compare, snap_db, tab: str) -> None:
    key = {"details": "1", "customer": "2", "licenses": "3", "managers": "4"}[tab]

    async def ready(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        await pilot.press(key)
        await wait_for(pilot, lambda: app.screen.pane(tab) is not None)
        if tab == "licenses":
            await wait_for(pilot, lambda: app.screen.pane(tab).table.row_count == 8)
        await settle(pilot)

    assert snap_compare(
        make_app(snap_db, open_store_id="ORD-1001"), terminal_size=SIZE, run_before=ready
    )
