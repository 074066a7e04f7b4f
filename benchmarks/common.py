"""What every benchmark of the suite shares: the cached 100,000-order databases, statistics,
and the one shape of a result (a figure beside its baseline measured in the same run).

Each benchmark module has ``figures(ctx) -> list[Figure]`` and a ``main()`` that prints them as
JSON lines with ``--json`` (how ``benchmarks.run_all`` collects them, one process per module so
each one's memory and imports are its own) or as a table otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orderview.demo import GENERATOR

ORDERS = 100_000
CACHE = Path(os.environ.get("ORDERVIEW_BENCH_CACHE", Path.home() / ".cache" / "orderview-bench"))
PG_ADMIN_URL = os.environ.get(
    "ORDERVIEW_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = "orderview_bench"
SEED = 2026  # orderview.demo.DEFAULT_SEED: the seed every cached database is made with


@dataclass
class Figure:
    """One row of the table: orderview's figure and its baseline, both from this run.

    ``value``/``baseline`` are what the ratio is computed from (seconds, or rows/s when
    ``higher_is_better``); ``shown``/``baseline_shown`` are their display forms with spreads.
    """

    name: str
    value: float
    shown: str
    baseline_name: str
    baseline: float | None
    baseline_shown: str
    target: str
    met: bool | None
    higher_is_better: bool = False
    notes: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.baseline / self.value if self.higher_is_better else self.value / self.baseline


def spread(values: list[float], scale: float = 1.0, digits: int = 2, unit: str = "s") -> str:
    """``median unit (min–max, n runs)``: the median and the whole range it came from."""
    med = statistics.median(values) * scale
    lo, hi = min(values) * scale, max(values) * scale
    return f"{med:,.{digits}f} {unit} ({lo:,.{digits}f}–{hi:,.{digits}f}, n={len(values)})"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a small sample, no interpolation."""
    import math

    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


async def timed_async(
    call: Callable[[], Awaitable[object]], runs: int, warm: int = 1
) -> list[float]:
    for _ in range(warm):
        await call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append(time.perf_counter() - began)
    return times


# --- the cached databases ------------------------------------------------------------------
# Keyed by size (the file / database name) and by the demo's seed, generator version
# (``orderview.demo.GENERATOR``) and schema revision (a ``bench_complete`` marker row written when
# the generation finished): a cache made with another seed or generator, or never finished, is
# generated again; one made at an older schema revision is brought
# to the current one by the app's own migrations (what a vendor's database goes through, and
# minutes cheaper than regenerating ten million licenses).


def sqlite_path(orders: int = ORDERS) -> Path:
    return CACHE / f"demo-{orders}.db"


def run_demo(location: str, orders: int) -> float:
    """``orderview demo --orders N --force`` as an operator runs it; returns its wall time."""
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "demo",
            "--db",
            location,
            "--orders",
            str(orders),
            "--seed",
            str(SEED),
            "--force",
            "--operator",
            "bench",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


_MARKER = "CREATE TABLE bench_complete (seed integer, orders integer, generator text)"


async def _marker(location: str, renamed_when_done: bool) -> tuple[int, str, str] | None:
    """(seed, schema revision, generator) of a finished cache; None if it never finished.
    Caches made before the marker held a seed were made with the default seed (``SEED``), and
    before it held a generator by an older one (""); a SQLite file without a marker was renamed
    into place only when complete (``renamed_when_done``)."""
    from sqlalchemy import text

    from orderview.db.engine import open_database
    from orderview.db.migrate import current_revision

    db = open_database(location)
    try:
        seed: int | None = None
        generator = ""
        async with db.engine.connect() as conn:
            for query in (
                "SELECT seed, generator FROM bench_complete",
                "SELECT seed, '' FROM bench_complete",
                f"SELECT {SEED}, '' FROM bench_complete",
            ):
                try:
                    row = (await conn.execute(text(query))).first()
                except Exception:  # not this marker's shape
                    await conn.rollback()
                    continue
                seed, generator = (row[0], row[1] or "") if row else (None, "")
                break
            else:
                seed = SEED if renamed_when_done else None
        revision = await current_revision(db)
    finally:
        await db.dispose()
    return (seed, revision or "", generator) if seed is not None else None


async def _finish(location: str, orders: int) -> None:
    """Mark the cache complete (its seed) and refresh the planner's statistics."""
    from sqlalchemy import text

    from orderview.db.engine import open_database

    db = open_database(location)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP TABLE IF EXISTS bench_complete"))
            await conn.execute(text(_MARKER))
            await conn.execute(
                text("INSERT INTO bench_complete VALUES (:seed, :orders, :generator)"),
                {"seed": SEED, "orders": int(orders), "generator": GENERATOR},
            )
        # The planner's statistics; on PostgreSQL also the visibility map (VACUUM), which a
        # database that has lived a while has from autovacuum and a freshly COPYed one has not:
        # without it a count over an order's index reads the table too.
        statement = "VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE"
        async with db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text(statement))
    finally:
        await db.dispose()


async def _upgrade(location: str) -> None:
    from orderview.db.engine import open_database
    from orderview.db.migrate import upgrade

    db = open_database(location)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


def _ready(location: str, orders: int, renamed_when_done: bool = False) -> bool:
    """True when the cache at ``location`` holds this seed's data at the current schema
    revision (upgrading it first if it is older)."""
    from orderview.db.migrate import HEAD

    found = asyncio.run(_marker(location, renamed_when_done))
    if found is None or found[0] != SEED or found[2] != GENERATOR:
        return False
    if found[1] != HEAD:
        print(f"upgrading the cached {location} {found[1]} -> {HEAD} …", file=sys.stderr)
        began = time.perf_counter()
        asyncio.run(_upgrade(location))
        asyncio.run(_finish(location, orders))
        print(f"  upgraded in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return True


def ensure_sqlite(orders: int = ORDERS) -> Path:
    """The demo database of ``orders`` orders, generated once (under a temporary name, renamed
    when complete) and reused by every later run."""
    path = sqlite_path(orders)
    if path.exists() and not _ready(str(path), orders, renamed_when_done=True):
        path.unlink()
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        for stale in CACHE.glob(part.name + "*"):
            stale.unlink()
        print(f"generating the cached database {path} (once) …", file=sys.stderr, flush=True)
        took = run_demo(str(part), orders)
        print(f"  generated in {took / 60:.1f} min", file=sys.stderr, flush=True)
        asyncio.run(_finish(str(part), orders))
        for suffix in ("-wal", "-shm"):
            Path(str(part) + suffix).unlink(missing_ok=True)
        part.rename(path)
    return path


def scratch_copy(orders: int = ORDERS) -> Path:
    """A private copy of the cached database for benchmarks that write (issuing, export seeding):
    the cache stays exactly as generated. The caller deletes it (``drop_scratch``)."""
    import shutil
    import sqlite3
    import tempfile

    source = ensure_sqlite(orders)
    target = Path(tempfile.mkdtemp(prefix="orderview-bench-")) / source.name
    with sqlite3.connect(source) as conn:  # fold any WAL into the file before copying it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copyfile(source, target)
    return target


def drop_scratch(path: Path) -> None:
    import shutil

    shutil.rmtree(path.parent, ignore_errors=True)


def pg_url(orders: int = ORDERS) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{PG_DATABASE}" if orders == ORDERS else f"{base}/{PG_DATABASE}_{orders}"


async def _pg_exists(orders: int) -> bool:
    """Whether the database exists (created empty if not); raises when PostgreSQL is down."""
    import asyncpg

    name = pg_url(orders).rsplit("/", 1)[1]
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"))
    except (OSError, asyncpg.PostgresError):
        raise RuntimeError(f"PostgreSQL unreachable at {PG_ADMIN_URL}") from None
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
            return False
    finally:
        await admin.close()
    return True


def ensure_pg(orders: int = ORDERS) -> str:
    """The same demo data in its own PostgreSQL database, generated once; a marker table says
    the generation finished (an interrupted one is redone)."""
    url = pg_url(orders)
    async_url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    if not asyncio.run(_pg_exists(orders)) or not _ready(async_url, orders):
        print(f"generating the cached PostgreSQL database {url} (once) …", file=sys.stderr)
        took = run_demo(url, orders)
        print(f"  generated in {took / 60:.1f} min", file=sys.stderr, flush=True)
        asyncio.run(_finish(async_url, orders))
    return url


# --- machine and output --------------------------------------------------------------------


def machine() -> dict[str, str]:
    import platform
    import sqlite3
    from importlib.metadata import version

    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "textual": version("textual"),
        "sqlalchemy": version("sqlalchemy"),
        "os": f"{platform.system()} {platform.release()}",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform_processor()


def platform_processor() -> str:
    import platform

    return platform.processor() or "unknown"


def write_block(doc: Path, begin: str, end: str, block: str, heading: str | None) -> None:
    """Rewrite only the text between ``begin`` and ``end`` in ``doc``; without the markers,
    append them under ``heading`` (a "## …" line) at the end, or with no heading put them
    right below the doc's first line (its title)."""
    text = doc.read_text(encoding="utf-8")
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = f"{head}{begin}\n{block}\n{end}{tail}"
    elif heading is None:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{begin}\n{block}\n{end}\n{body}"
    else:
        text = f"{text.rstrip()}\n\n{heading}\n\n{begin}\n{block}\n{end}\n"
    doc.write_text(text, encoding="utf-8")


def emit(figures: Iterable[Figure], as_json: bool) -> None:
    figures = list(figures)
    if as_json:
        for f in figures:
            print("FIGURE " + json.dumps(asdict(f)), flush=True)
        return
    from benchmarks.table import render

    print(render(figures))


def bench_main(
    doc: str,
    figures: Callable[[argparse.Namespace], list[Figure]],
    configure: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """The shared command line of a benchmark module: ``--json`` for run_all, ``--quick``."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON figure per line")
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    if configure:
        configure(parser)
    args = parser.parse_args()
    emit(figures(args), args.json)
