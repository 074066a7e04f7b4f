"""Demo devices: one row per activation, so every license's ``times_activated`` is the number
of its devices (as the services keep it).

Drawn from a generator of their own per task (``orderview.demo_plan``), as stored tuples: their
times are hour numbers turned into stored values through a table built once per process (a
million devices through a per-value conversion cost several seconds).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from orderview.demo_stored import Stored

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


@lru_cache(maxsize=2)
def hour_stamps(start: datetime, end: datetime, dialect_name: str) -> list[Any]:
    """Every hour of the range as the column stores it on the dialect."""
    st = Stored(dialect_name)
    last = int((end - start).total_seconds() // 3600)
    return [st.dt(start + timedelta(hours=h)) for h in range(last + 1)]


class DeviceMaker:
    """Devices as tuples in ``demo_stored.columns(devices)`` order (~1 µs a device)."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime, st: Stored) -> None:
        self.rng = rng
        self.start = start
        self.stamps = hour_stamps(start, end, st.dialect_name)
        self.last_hour = len(self.stamps) - 1
        self.vm = (st.bool(False), st.bool(True))
        # weighted choices as one list to index: ``rng.choices`` per device cost too much
        self.os_pool = [name for name, weight in OSES for _ in range(weight)]
        self.hosts = [f"{host}-{n:03d}" for host in HOSTS for n in range(200)]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, license_id: int, count: int, created: datetime, prevent_vm: bool) -> None:
        """``count`` devices of one license, first seen within two months of its issue. Each
        device's draws come from one 72-bit number (cheaper than five ``random()`` calls)."""
        identifiers = self.rng.randbytes(16 * count).hex()
        bits = self.rng.getrandbits(72 * count)
        hour = min(int((created - self.start).total_seconds() // 3600) + 1, self.last_hour)
        window = min(self.last_hour - hour, 1440)
        hosts, pool, stamps, vm, last_hour = (
            self.hosts,
            self.os_pool,
            self.stamps,
            self.vm,
            self.last_hour,
        )
        n_hosts, n_pool = len(hosts), len(pool)
        rows = self.rows
        for i in range(count):
            r = (bits >> (72 * i)) & 0xFFFFFFFFFFFFFFFFFF
            first = hour + ((r & 0xFFFF) * window >> 16)
            rows.append(
                (
                    license_id,
                    identifiers[32 * i : 32 * i + 32],
                    hosts[((r >> 16) & 0xFFFF) * n_hosts >> 16],
                    pool[((r >> 32) & 0xFFFF) * n_pool >> 16],
                    vm[not prevent_vm and (r >> 64) < 38],  # 38/256 ≈ 15 %
                    stamps[first],
                    stamps[first + (((r >> 48) & 0xFFFF) * (last_hour - first) >> 16)],
                )
            )
