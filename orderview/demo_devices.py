"""Demo devices: one row per activation, so every license's ``times_activated`` is the number
of its devices (as the services keep it).

Drawn from a generator of their own (seeded from the demo's seed), so adding devices left every
other demo row as it was, and the same seed still gives the same database. Rows go to SQLite as
tuples with the values already in the form SQLAlchemy would store (a million devices through
Core's per-row parameter processing cost several seconds).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from orderview.db.models import Device

HOSTS = (
    "laptop",
    "desktop",
    "workstation",
    "build",
    "cad",
    "render",
    "studio",
    "lab",
    "office",
    "design",
    "dev",
    "ci-runner",
    "mbp",
    "thinkpad",
    "surface",
)
OSES = (
    ("Windows 11", 40),
    ("Windows 10", 20),
    ("macOS 15", 15),
    ("macOS 14", 7),
    ("Ubuntu 24.04", 8),
    ("Ubuntu 22.04", 4),
    ("Fedora 41", 2),
    ("RHEL 9", 2),
    ("Debian 12", 2),
)
COLUMNS = ("license_id", "identifier", "hostname", "os", "is_vm", "first_seen_at", "last_seen_at")
ROWS_PER_INSERT = 20_000


class DeviceMaker:
    """Devices as tuples; their times are hour numbers since ``start`` (turned into stored
    values once per hour, not once per device: ~1 µs a device instead of ~10)."""

    def __init__(self, seed: int, start: datetime, end: datetime) -> None:
        self.rng = random.Random(f"devices-{seed}")
        self.start = start
        self.last_hour = int((end - start).total_seconds() // 3600)
        # weighted choices as one list to index: ``rng.choices`` per device cost too much
        self.os_pool = [name for name, weight in OSES for _ in range(weight)]
        self.hosts = [f"{host}-{n:03d}" for host in HOSTS for n in range(200)]
        self.license_id = 0  # licenses get explicit ids: their devices refer to them
        self.rows: list[tuple[Any, ...]] = []  # devices of the chunk being built

    def add_license(self, row: dict[str, Any], created: datetime) -> None:
        """Give a demo license row its id, and a device for each of its activations."""
        self.license_id += 1
        row["id"] = self.license_id
        if row.get("times_activated"):
            self.rows += self.for_license(
                self.license_id, row["times_activated"], created, row["prevent_vm"]
            )

    def take(self) -> list[tuple[Any, ...]]:
        """The devices built since the last call (written with their chunk)."""
        rows, self.rows = self.rows, []
        return rows

    def for_license(
        self, license_id: int, count: int, created: datetime, prevent_vm: bool
    ) -> list[tuple[Any, ...]]:
        """``count`` devices of one license, first seen within two months of its issue."""
        random_ = self.rng.random
        identifiers = self.rng.randbytes(16 * count).hex()
        hour = min(int((created - self.start).total_seconds() // 3600) + 1, self.last_hour)
        later = self.last_hour - hour
        hosts, pool = self.hosts, self.os_pool
        rows = []
        for i in range(count):
            first = hour + int(random_() * min(later, 1440))
            rows.append(
                (
                    license_id,
                    identifiers[32 * i : 32 * i + 32],
                    hosts[int(random_() * len(hosts))],
                    pool[int(random_() * len(pool))],
                    not prevent_vm and random_() < 0.15,
                    first,
                    first + int(random_() * (self.last_hour - first)),
                )
            )
        return rows

    def times(self, dialect: Dialect) -> list[Any]:
        """Every hour of the range as the column stores it on ``dialect``."""
        process = Device.__table__.c.first_seen_at.type.dialect_impl(dialect).bind_processor(
            dialect
        )
        hours = [self.start + timedelta(hours=h) for h in range(self.last_hour + 1)]
        return [process(h) for h in hours] if process is not None else hours


async def insert_devices(conn: AsyncConnection, maker: DeviceMaker) -> None:
    """The devices built since the last call, in executemany batches: tuples straight to the
    driver on SQLite, Core ``insert()`` elsewhere."""
    rows = maker.take()
    if not rows:
        return
    table = Device.__table__
    if conn.dialect.name != "sqlite":
        hours = [maker.start + timedelta(hours=h) for h in range(maker.last_hour + 1)]
        dicts = [
            dict(zip(COLUMNS, (*row[:5], hours[row[5]], hours[row[6]]), strict=True))
            for row in rows
        ]
        for start in range(0, len(dicts), ROWS_PER_INSERT):
            await conn.execute(insert(table), dicts[start : start + ROWS_PER_INSERT])
        return
    stamps = maker.times(conn.dialect)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in COLUMNS)})"
    )
    for start in range(0, len(rows), ROWS_PER_INSERT):
        batch = [
            (lid, ident, host, os_name, int(vm), stamps[first], stamps[last])
            for lid, ident, host, os_name, vm, first, last in rows[start : start + ROWS_PER_INSERT]
        ]
        await conn.exec_driver_sql(sql, batch)
