"""Running a desk: a private copy of the database, the operators spread over worker processes,
and the PostgreSQL connections they hold sampled while they work.

On a 2-core machine one Python process running 50 operators would measure its own GIL and event
loop, not the database: the operators are hosted in a few worker processes (``workers``, 2 by
default), each running its share as asyncio tasks — and each operator has its own engine and
connection pool, as every operator of a real desk runs their own orderview process.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks import desk_check
from benchmarks.desk_operator import Plan, Tally, run_operators
from benchmarks.search import samples
from orderview.db.engine import open_database
from orderview.db.models import LicensePolicy, Product

HOT_ORDERS = 3  # orders every operator of the run shares: their saves meet
SAMPLES = 200
START_AFTER = 3.0  # seconds for the worker processes to start and import before the clock runs


@dataclass
class Run:
    """One desk run's results, merged over its workers."""

    operators: int
    seconds: float
    tally: Tally
    check: desk_check.Check
    peak_connections: int | None  # PostgreSQL only
    load: float
    # Cores busy on average during the run: the worker processes, the PostgreSQL backends of
    # the run's database, and the whole machine (everything else on it included).
    cpu: dict[str, float] = field(default_factory=dict)


# --- private copies -----------------------------------------------------------------------


def _admin(url: str) -> tuple[str, str]:
    """(asyncpg URL of the server's ``postgres`` database, database name) of ``url``."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    base, name = plain.rsplit("/", 1)
    return f"{base}/postgres", name.split("?", 1)[0]


@asynccontextmanager
async def pg_copy(template: str, name: str = "orderview_desk") -> Any:
    """``CREATE DATABASE name TEMPLATE template`` for one run, dropped afterwards: the desk's
    writes never reach the cached benchmark database."""
    import asyncpg

    admin, source = _admin(template)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        await conn.close()
    try:
        yield template.rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextmanager
def sqlite_copy(source: Path) -> Any:
    """A private copy of the SQLite file (its WAL folded in first), deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="orderview-desk-"))
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    target = folder / "desk.db"
    shutil.copyfile(source, target)
    try:
        yield str(target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- what to work on -------------------------------------------------------------------------


async def prepare(url: str, seconds: float, think: float, writers_only: bool) -> Plan:
    """Orders to search for and open (spread over the whole table), the few every operator
    shares, and the key-based products to issue."""
    db = open_database(url)
    try:
        found = await samples(db, SAMPLES)
        async with db.sessions() as s:
            rows = (
                await s.execute(
                    select(Product.id, LicensePolicy.id)
                    .join(LicensePolicy, LicensePolicy.product_id == Product.id)
                    .where(
                        Product.authorization_method == "license-key",
                        Product.active.is_(True),
                        LicensePolicy.is_default.is_(True),
                    )
                    .order_by(Product.id)
                )
            ).all()
    finally:
        await db.dispose()
    if not found or not rows:
        raise RuntimeError(f"{url}: no orders with licenses or no key-based product to issue")
    return Plan(
        url=url,
        seconds=seconds,
        start_at=0.0,
        samples=found,
        hot=list(range(min(HOT_ORDERS, len(found)))),
        products=[(p, q) for p, q in rows],
        think=think,
        writers_only=writers_only,
    )


# --- the run ------------------------------------------------------------------------------


def _worker(plan: Plan, names: list[str], seed: int) -> dict[str, Any]:
    """One worker process: its operators as asyncio tasks; the merged tally as a dict."""
    return asdict(asyncio.run(run_operators(plan, names, seed)))


def _ticks(path: str, fields: slice) -> int:
    try:
        text = Path(path).read_text()
    except OSError:
        return 0
    if path == "/proc/stat":
        return sum(int(v) for v in text.split()[fields])
    return sum(int(v) for v in text.rsplit(")", 1)[1].split()[fields])


def machine_busy() -> int:
    """Clock ticks every core spent busy since boot (user … steal, not idle or iowait)."""
    user_to_steal = _ticks("/proc/stat", slice(1, 4)) + _ticks("/proc/stat", slice(6, 9))
    return user_to_steal


async def _sample_connections(url: str, stop: asyncio.Event, backends: dict[int, int]) -> int:
    """The most connections to the run's database seen in ``pg_stat_activity`` (every 100 ms;
    the sampler itself is connected to the ``postgres`` database, so it is not counted); the
    CPU ticks of each backend (same machine) land in ``backends``."""
    import asyncpg

    admin, name = _admin(url)
    conn = await asyncpg.connect(admin)
    peak = 0
    try:
        while not stop.is_set():
            pids = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
            peak = max(peak, len(pids))
            for row in pids:  # utime + stime, as last seen before the backend ends
                ticks = _ticks(f"/proc/{row['pid']}/stat", slice(11, 13))
                backends[row["pid"]] = max(backends.get(row["pid"], 0), ticks)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
    finally:
        await conn.close()
    return peak


async def run_desk(plan: Plan, operators: int, workers: int = 2) -> Run:
    """``operators`` people at once for ``plan.seconds``, then the lost-update check."""
    db = open_database(plan.url)
    try:
        before = await desk_check.mark(db, [s["id"] for s in plan.samples])
    finally:
        await db.dispose()
    workers = max(1, min(workers, operators))
    names = [f"desk-{i + 1:02d}" for i in range(operators)]
    shares = [names[w::workers] for w in range(workers)]
    plan = replace(plan, start_at=time.time() + START_AFTER)
    load = os.getloadavg()[0]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    postgres = plan.url.startswith("postgresql")
    backends: dict[int, int] = {}
    sampler = (
        asyncio.create_task(_sample_connections(plan.url, stop, backends)) if postgres else None
    )
    busy, children = machine_busy(), resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        try:
            done = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, _worker, plan, share, w + 1)
                    for w, share in enumerate(shares)
                )
            )
        finally:
            stop.set()
            peak = await sampler if sampler else None
    took = time.monotonic() - began
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)
    hz = os.sysconf("SC_CLK_TCK")
    cpu = {
        "workers": (spent.ru_utime + spent.ru_stime - children.ru_utime - children.ru_stime) / took,
        "machine": (machine_busy() - busy) / hz / took,
    }
    if postgres:
        cpu["postgresql"] = sum(backends.values()) / hz / took
    tally = Tally()
    for result in done:
        tally.merge(Tally(**result))
    db = open_database(plan.url)
    try:
        found = await desk_check.check(db, before, tally.saves, tally.issued)
    finally:
        await db.dispose()
    return Run(operators, plan.seconds, tally, found, peak, load, cpu)
