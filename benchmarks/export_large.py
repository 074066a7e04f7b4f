"""Export an order of 100,000 licenses: rows/s and peak memory, against Python's csv writer
over a raw query; then delete the order and measure the audit snapshot.

    .venv/bin/python -m benchmarks.export_large [--licenses 100000] [--runs 3] [--db URL]

Without ``--db`` the order is added to a private copy of the cached 100,000-order database
(deleted afterwards). The baseline is one raw SQL statement through the same driver
(aiosqlite, or asyncpg on PostgreSQL) with its rows handed straight to ``csv.writer``: no
formatting, no neutralising, no temporary file. A third measurement, alternating with both,
runs the same export with the license cells formatted by the Python reference formatter
instead of the database (a note beside the figure).

Each measurement runs in a fresh subprocess so its peak RSS (ru_maxrss, after imports and a
first query, then at the end) is its own;
peak Python heap comes from a second, tracemalloc-instrumented run (tracemalloc slows it down,
so rows/s come from the uninstrumented run).

Note (session 2): the export's license cells are built by the database
(``orderview/export_sql.py``), so nearly all of its time is SQLite evaluating the row in the
driver's thread (≈6 µs of CPU per license on the shared 2-core container, of which reading and
concatenating the 14 raw columns is ≈2.3 µs); 300,000 rows/s would need ≤ 3.3 µs end to end.
docs/benchmarks.md ("Where the time goes") has the profile and what would move it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from benchmarks.common import ORDERS, Figure, bench_main, drop_scratch, scratch_copy, spread
from orderview import export
from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import AuditEvent, Customer, License, Order, Product
from orderview.keys import generate_keys
from orderview.services import deletion
from orderview.services.normalize import customer_keys, lc

STORE_ID = "BENCH-EXPORT"


async def seed(url: str, count: int) -> None:
    db = open_database(url)
    await ensure_schema(db)
    async with db.engine.begin() as conn:
        if await conn.scalar(select(Order.id).where(Order.store_id == STORE_ID)):
            await db.dispose()
            return
        product = await conn.scalar(
            insert(Product).values(name="Bench", short_code="BENCH-EXPORT").returning(Product.id)
        )
        customer = await conn.scalar(
            insert(Customer).values(
                email="bench-export@example.com", company_name="Bench Ltd", first_name="B",
                last_name="Ench", **customer_keys("bench-export@example.com", "B", "Ench", "Bench Ltd"),
            ).returning(Customer.id)
        )
        order = await conn.scalar(
            insert(Order).values(store_id=STORE_ID, store_id_lc=lc(STORE_ID),
                                 customer_id=customer).returning(Order.id)
        )
        now = datetime.now(UTC)
        keys = generate_keys(count)
        for start in range(0, count, 10_000):
            await conn.execute(insert(License), [
                {"order_id": order, "product_id": product, "license_key": key,
                 "note": "bench note", "created_at": now, "updated_at": now}
                for key in keys[start:start + 10_000]
            ])
    await db.dispose()


async def order_id(db: Database) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(Order.id).where(Order.store_id == STORE_ID))  # type: ignore[return-value]


async def run_orderview(db: Database, target: Path) -> int:
    return (await export.export_to_file(db, await order_id(db), target, overwrite=True)).rows


async def run_reference(db: Database, target: Path) -> int:
    """The same export with the license cells formatted by the Python reference formatter
    (the path before the database built them), for a same-run comparison."""
    export.iter_pages = export._reference_pages  # type: ignore[assignment]
    return await run_orderview(db, target)


RAW_EXPORT = (
    "SELECT o.store_id, o.reference, o.order_type, o.is_test, o.is_trial, o.download_id, "
    "o.language, o.campaign_params, c.email, c.first_name, c.last_name, c.company_name, c.phone, "
    "c.reference, c.address, c.city, c.state, c.postcode, c.country, p.short_code, "
    "l.license_key, l.license_type, l.enabled, l.enabled, l.max_activations, l.times_activated, "
    "l.validity_period, l.start_date, l.is_trial, l.is_floating, l.floating_users, l.note, "
    "l.created_at FROM orders o JOIN licenses l ON l.order_id = o.id "
    "JOIN products p ON p.id = l.product_id LEFT JOIN customers c ON c.id = o.customer_id "
    "WHERE o.id = {param} ORDER BY l.id"
)


async def run_raw(db: Database, target: Path) -> int:
    """The floor: one raw joined query through the driver, rows straight into csv.writer."""
    oid = await order_id(db)
    rows = 0
    with open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(export.COLUMNS)
        if db.dialect == "sqlite":
            import aiosqlite

            async with aiosqlite.connect(str(db.url.database)) as conn:
                cursor = await conn.execute(RAW_EXPORT.format(param="?"), (oid,))
                while part := await cursor.fetchmany(5000):
                    writer.writerows(part)
                    rows += len(part)
        else:
            import asyncpg

            conn = await asyncpg.connect(
                db.url.set(drivername="postgresql").render_as_string(hide_password=False))
            try:
                async with conn.transaction():
                    async for record in conn.cursor(RAW_EXPORT.format(param="$1"), oid,
                                                    prefetch=5000):
                        writer.writerow(record)
                        rows += 1
            finally:
                await conn.close()
    return rows


async def measure(url: str, which: str, traced: bool) -> dict[str, float]:
    db = open_database(url)
    target = Path(tempfile.mkdtemp()) / f"{which}.csv"
    run = {"orderview": run_orderview, "reference": run_reference}.get(which, run_raw)
    await order_id(db)  # connect and warm up before the baseline
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    rows = await run(db, target)
    seconds = time.perf_counter() - start
    figures = {"rows": rows, "seconds": seconds, "bytes": target.stat().st_size,
               "rss_before_kb": rss_before,
               "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if traced:
        figures["heap_peak_kb"] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    target.unlink()
    await db.dispose()
    return figures


async def measure_delete(url: str) -> dict[str, float]:
    db = open_database(url)
    oid = await order_id(db)
    preview = await deletion.deletion_preview(db, oid)
    start = time.perf_counter()
    result = await deletion.delete_order(db, "bench", oid, preview.version,
                                         fingerprint=preview.fingerprint)
    seconds = time.perf_counter() - start
    async with db.sessions() as s:
        snapshot = await s.scalar(
            select(AuditEvent.snapshot).where(AuditEvent.id == result.audit_event_id))
        left = await s.scalar(select(func.count(License.id)).where(License.order_id == oid))
    await db.dispose()
    return {"seconds": seconds, "licenses": result.license_count, "left": left or 0,
            "snapshot_kb": len(json.dumps(snapshot)) / 1024}


def child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.export_large", *args],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def figures(args: argparse.Namespace) -> list[Figure]:
    runs = 2 if args.quick else args.runs
    scratch = None if args.db else scratch_copy(args.orders)
    url = args.db or str(scratch)
    try:
        asyncio.run(seed(url, args.licenses))
        mine: list[dict[str, float]] = []
        floor: list[dict[str, float]] = []
        python: list[dict[str, float]] = []
        for _ in range(runs):  # alternate, so all see the same machine
            mine.append(child(["--db", url, "--measure", "orderview"]))
            floor.append(child(["--db", url, "--measure", "raw"]))
            python.append(child(["--db", url, "--measure", "reference"]))
        traced = child(["--db", url, "--measure", "orderview", "--traced"])
        gone = child(["--db", url, "--measure", "delete"])
    finally:
        if scratch is not None:
            drop_scratch(scratch)
    rates = [m["rows"] / m["seconds"] for m in mine]
    raw_rates = [m["rows"] / m["seconds"] for m in floor]
    python_rates = [m["rows"] / m["seconds"] for m in python]
    growth = [(m["rss_peak_kb"] - m["rss_before_kb"]) / 1024 for m in mine]
    raw_growth = [(m["rss_peak_kb"] - m["rss_before_kb"]) / 1024 for m in floor]
    rate, raw_rate = statistics.median(rates), statistics.median(raw_rates)
    size_mb = mine[0]["bytes"] / 1e6
    grew = statistics.median(growth)
    return [
        Figure(name=f"export an order of {args.licenses:,} licenses (rows/s)", value=rate,
               shown=spread(rates, 1, 0, "rows/s"),
               baseline_name="csv.writer over one raw query (aiosqlite)", baseline=raw_rate,
               baseline_shown=spread(raw_rates, 1, 0, "rows/s"), higher_is_better=True,
               target="≥ 300,000 rows/s", met=rate >= 300_000,
               notes=f"{size_mb:.1f} MB file; the license cells formatted in Python instead "
                     f"(export._reference_pages): {spread(python_rates, 1, 0, 'rows/s')}; "
                     f"delete_order of it {gone['seconds']:.2f} s"),
        Figure(name="… its peak memory (peak RSS growth; Python heap peak)", value=grew,
               shown=f"{grew:.1f} MB ({min(growth):.1f}–{max(growth):.1f}, n={len(growth)}); "
                     f"heap {traced['heap_peak_kb'] / 1024:.1f} MB",
               baseline_name="csv.writer over one raw query", baseline=None,
               baseline_shown=f"{statistics.median(raw_growth):.1f} MB",
               target=f"flat (growth ≪ the {size_mb:.0f} MB written)",
               met=grew <= 0.25 * size_mb),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--licenses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--db", help="database URL or path (default: a copy of the cached one)")
    parser.add_argument("--measure", choices=["orderview", "reference", "raw", "delete"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)


def main() -> None:
    if "--measure" in sys.argv:
        parser = argparse.ArgumentParser()
        configure(parser)
        args = parser.parse_args()
        if args.measure == "delete":
            print(json.dumps(asyncio.run(measure_delete(args.db))))
        else:
            print(json.dumps(asyncio.run(measure(args.db, args.measure, args.traced))))
        return
    bench_main(__doc__, figures, configure)


if __name__ == "__main__":
    main()
