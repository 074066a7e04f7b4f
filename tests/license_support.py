"""Test data for the license screen, commands and services: a license with devices."""

from __future__ import annotations

from datetime import date, timedelta

from orderview.db.engine import Database
from orderview.db.models import Device, License
from tests import factories as f

KEY = "H4ZH-VL2X-9GJJ-X2J6"


async def add_devices(
    db: Database, license_id: int, devices: list[tuple[str, str, str, bool]]
) -> None:
    """(identifier, hostname, os, is_vm) rows, and ``times_activated`` their number."""
    async with db.sessions.begin() as s:
        for i, (identifier, hostname, os_name, is_vm) in enumerate(devices):
            s.add(
                Device(
                    license_id=license_id,
                    identifier=identifier,
                    hostname=hostname,
                    os=os_name,
                    is_vm=is_vm,
                    first_seen_at=f.T0 + timedelta(days=i),
                    last_seen_at=f.T0 + timedelta(days=i + 30),
                )
            )
        lic = await s.get(License, license_id)
        assert lic is not None
        lic.times_activated = len(devices)


async def license_with_devices(db: Database, **fields: object) -> int:
    """Order ORD-1001 with one time-limited ATLAS license (KEY) on two devices; its id."""
    product_id, policy_id = await f.add_product(db, "ATLAS", "Atlas CAD")
    customer = await f.add_customer(db)
    order_id = await f.add_order(db, "ORD-1001", customer_id=customer)
    values = {
        "license_type": "time-limited",
        "valid_duration": "1y",
        "validity_period": date(2030, 1, 15),
        "max_activations": 3,
        "max_transfers": 2,
        "maintenance_period": date(2030, 6, 1),
        "note": "first note",
    } | fields
    await f.add_licenses(db, order_id, product_id, 1, policy_id, keys=[KEY], **values)
    async with db.sessions() as s:
        from sqlalchemy import select

        license_id = await s.scalar(select(License.id).where(License.license_key == KEY))
    assert license_id is not None
    await add_devices(
        db,
        license_id,
        [
            ("a1b2c3d4e5f60718293a4b5c6d7e8f90", "ada-laptop", "Windows 11", False),
            ("ffeeddccbbaa99887766554433221100", "build-vm-7", "Ubuntu 24.04", True),
        ],
    )
    return license_id
