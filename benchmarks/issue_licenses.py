"""Issue 10,000 licenses through the service vs a plain executemany of the same rows.

    .venv/bin/python -m benchmarks.issue_licenses [--licenses 10000] [--runs 5] [--db URL]

Three figures, each the median of ``--runs`` fresh issuances into a fresh order:
- service: ``orderview.services.issuing.issue_licenses`` (validation, key generation, the
  "already used?" checks, chunked Core executemany in one transaction, the audit event);
- core executemany: the same rows (same columns, same template) as one SQLAlchemy Core
  ``executemany`` in one transaction, keys generated beforehand;
- sqlite3 executemany (SQLite only): the same rows as tuples through the stdlib driver, the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import License, LicensePolicy, Order, Product
from orderview.keys import generate_keys
from orderview.schemas.issuing import Entitlements, LineInput
from orderview.services.issuing import issue_licenses
from orderview.services.normalize import lc

POLICY = {"license_type": "time-limited", "valid_duration": "1y", "max_activations": 3,
          "max_transfers": 2, "maintenance_duration": "1y"}


async def seed(db: Database) -> tuple[int, int]:
    async with db.sessions.begin() as s:
        product = Product(name="Bench", short_code="BENCH", authorization_method="license-key")
        s.add(product)
        await s.flush()
        policy = LicensePolicy(product_id=product.id, name="Annual", code="annual",
                               is_default=True, **POLICY)
        s.add(policy)
        await s.flush()
        return product.id, policy.id


async def new_order(db: Database, n: int) -> int:
    async with db.sessions.begin() as s:
        order = Order(store_id=f"BENCH-{n}", store_id_lc=lc(f"BENCH-{n}"))
        s.add(order)
        await s.flush()
        return order.id


def rows_for(order_id: int, product_id: int, policy_id: int, count: int) -> list[dict]:
    now = datetime.now(UTC)
    template = dict(Entitlements.model_validate(POLICY).values())
    template.update(order_id=order_id, product_id=product_id, policy_id=policy_id,
                    user_email=None, total_consumptions=0, times_activated=0, transfer_count=0,
                    enabled=True, created_at=now, updated_at=now)
    return [{**template, "license_key": key} for key in generate_keys(count)]


async def run(url: str, count: int, runs: int) -> dict[str, list[float]]:
    db = open_database(url)
    await ensure_schema(db)
    product_id, policy_id = await seed(db)
    times: dict[str, list[float]] = {"service": [], "core executemany": []}
    n = 0
    for _ in range(runs):
        n += 1
        order_id = await new_order(db, n)
        start = time.perf_counter()
        await issue_licenses(db, "bench", order_id, [LineInput(
            product_id=product_id, policy_id=policy_id, quantity=count)])
        times["service"].append(time.perf_counter() - start)

        n += 1
        order_id = await new_order(db, n)
        rows = rows_for(order_id, product_id, policy_id, count)
        start = time.perf_counter()
        async with db.write() as session:
            await session.execute(insert(License.__table__), rows)
        times["core executemany"].append(time.perf_counter() - start)
    if db.dialect == "sqlite":
        path = db.url.database
        times["sqlite3 executemany"] = []
        await db.dispose()
        for _ in range(runs):
            n += 1
            times["sqlite3 executemany"].append(
                raw_sqlite(str(path), n, product_id, policy_id, count))
    else:
        await db.dispose()
    return times


def raw_sqlite(path: str, n: int, product_id: int, policy_id: int, count: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("INSERT INTO orders (store_id, store_id_lc, reference, reference_lc, "
                 "campaign_params, download_id, language, is_test, is_trial, order_type, "
                 "created_at, updated_at, version) VALUES (?, ?, '', '', '', '', '', 0, 0, "
                 "'normal', ?, ?, 1)",
                 (f"BENCH-{n}", f"bench-{n}", "2026-01-01 00:00:00", "2026-01-01 00:00:00"))
    order_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    rows = rows_for(order_id, product_id, policy_id, count)
    columns = list(rows[0])
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    tuples = [tuple(now if c in ("created_at", "updated_at") else r[c] for c in columns)
              for r in rows]
    sql = (f"INSERT INTO licenses ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, tuples)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licenses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(Path(tmp) / "bench.db")
        times = asyncio.run(run(url, args.licenses, args.runs))
    print(f"issuing {args.licenses:,} licenses, median of {args.runs} runs:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<20} {median * 1000:8.1f} ms   {args.licenses / median:12,.0f} rows/s"
              f"   (best {min(values) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
