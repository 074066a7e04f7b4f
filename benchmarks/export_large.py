"""Export an order of 100,000 licenses: rows/s and peak memory, against Python's csv writer
over a raw query; then delete the order and measure the audit snapshot.

    .venv/bin/python -m benchmarks.export_large [--licenses 100000] [--db URL]

Each measurement runs in a fresh subprocess so its peak RSS (ru_maxrss, after imports and a
first query, then at the end) is its own;
peak Python heap comes from a second, tracemalloc-instrumented run (tracemalloc slows it down,
so rows/s come from the uninstrumented run).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text

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
            insert(Product).values(name="Bench", short_code="BENCH").returning(Product.id)
        )
        customer = await conn.scalar(
            insert(Customer).values(
                email="bench@example.com", company_name="Bench Ltd", first_name="B",
                last_name="Ench", **customer_keys("bench@example.com", "B", "Ench", "Bench Ltd"),
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


async def run_raw(db: Database, target: Path) -> int:
    """The floor: one joined query, rows straight into csv.writer (no formatting, no paging)."""
    oid = await order_id(db)
    query = (
        select(Order.store_id, Order.reference, Order.order_type, Order.is_test, Order.is_trial,
               Order.download_id, Order.language, Order.campaign_params, Customer.email,
               Customer.first_name, Customer.last_name, Customer.company_name, Customer.phone,
               Customer.reference, Customer.address, Customer.city, Customer.state,
               Customer.postcode, Customer.country, Product.short_code, License.license_key,
               License.license_type, License.enabled, License.enabled, License.max_activations,
               License.times_activated, License.validity_period, License.start_date,
               License.is_trial, License.is_floating, License.floating_users, License.note,
               License.created_at)
        .join(License, License.order_id == Order.id)
        .join(Product, Product.id == License.product_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(Order.id == oid)
        .order_by(License.id)
    )
    rows = 0
    with open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(export.COLUMNS)
        async with db.engine.connect() as conn:
            result = await conn.stream(query.execution_options(yield_per=5000))
            async for part in result.partitions():
                writer.writerows(part)
                rows += len(part)
    return rows


async def measure(url: str, which: str, traced: bool) -> dict[str, float]:
    db = open_database(url)
    target = Path(tempfile.mkdtemp()) / f"{which}.csv"
    run = run_orderview if which == "orderview" else run_raw
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
    async with db.sessions() as s:
        version = await s.scalar(select(Order.version).where(Order.id == oid))
    start = time.perf_counter()
    result = await deletion.delete_order(db, "bench", oid, version)  # type: ignore[arg-type]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licenses", type=int, default=100_000)
    parser.add_argument("--db", help="database URL or path (default: a temporary SQLite file)")
    parser.add_argument("--measure", choices=["orderview", "raw", "delete"], help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure == "delete":
        print(json.dumps(asyncio.run(measure_delete(args.db))))
        return
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.db, args.measure, args.traced))))
        return

    url = args.db or str(Path(tempfile.mkdtemp()) / "bench.db")
    if url.startswith("postgresql"):
        async def clean() -> None:
            db = open_database(url)
            await ensure_schema(db)
            async with db.engine.begin() as conn:
                await conn.execute(text("TRUNCATE licenses, order_managers, orders, customers, "
                                        "products, audit_events RESTART IDENTITY CASCADE"))
            await db.dispose()
        asyncio.run(clean())
    start = time.perf_counter()
    asyncio.run(seed(url, args.licenses))
    print(f"seeded {args.licenses:,} licenses in {time.perf_counter() - start:.1f} s "
          f"({url.split('://')[0] if '://' in url else 'sqlite file'})")
    print(f"{'export':<22}{'rows/s':>10}{'seconds':>9}{'file MB':>9}"
          f"{'RSS start→peak MB':>19}{'heap peak MB':>14}")
    for which, label in (("orderview", "orderview (paged)"), ("raw", "csv over raw query")):
        plain = child(["--db", url, "--measure", which])
        traced = child(["--db", url, "--measure", which, "--traced"])
        print(f"{label:<22}{plain['rows'] / plain['seconds']:>10,.0f}{plain['seconds']:>9.2f}"
              f"{plain['bytes'] / 1e6:>9.1f}"
              f"{plain['rss_before_kb'] / 1024:>11.1f} → {plain['rss_peak_kb'] / 1024:>5.1f}"
              f"{traced['heap_peak_kb'] / 1024:>14.1f}")
    gone = child(["--db", url, "--measure", "delete"])
    print(f"delete_order: {gone['licenses']:,} licenses in {gone['seconds']:.2f} s, "
          f"{gone['left']} left; audit snapshot {gone['snapshot_kb'] / 1024:.1f} MB of JSON")
    if not args.db:
        os.unlink(url)


if __name__ == "__main__":
    main()
