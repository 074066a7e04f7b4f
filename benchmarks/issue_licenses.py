"""Issue 10,000 licenses through the service vs a plain executemany of the same rows.

    .venv/bin/python -m benchmarks.issue_licenses [--licenses 10000] [--runs 5] [--db URL]

Without ``--db`` it runs on a private copy of the cached 100,000-order database (≈1M licenses,
so the unique key index is as big as a vendor's), which is deleted afterwards.

Three figures, each the median of ``--runs`` fresh issuances into a fresh order:
- service: ``orderview.services.issuing.issue_licenses`` (validation, key generation, the
  "already used?" checks, chunked Core executemany in one transaction, the audit event);
- core executemany: the same rows (same columns, same template) as one SQLAlchemy Core
  ``executemany`` in one transaction, keys generated beforehand;
- sqlite3 executemany (SQLite only): the same rows as tuples through the stdlib driver, the floor:
  in key order, as the service writes generated keys (the figure's baseline), and in the order
  they were drawn (a note: what the floor was before the service sorted its keys).

Each sqlite3 run also reports how much of it was the COMMIT: in WAL mode the commit that takes
the log past 1,000 pages runs the checkpoint, copying every page the transaction touched into
the database file (docs/benchmarks.md, issuing).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import insert

from benchmarks.common import ORDERS, Figure, bench_main, drop_scratch, scratch_copy, spread
from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import License, LicensePolicy, Order, Product
from orderview.keys import generate_keys
from orderview.schemas.entitlements import Entitlements
from orderview.schemas.issuing import LineInput
from orderview.services.issuing import issue_licenses
from orderview.services.normalize import lc

POLICY = {
    "license_type": "time-limited",
    "valid_duration": "1y",
    "max_activations": 3,
    "max_transfers": 2,
    "maintenance_duration": "1y",
}


async def seed(db: Database) -> tuple[int, int]:
    async with db.sessions.begin() as s:
        product = Product(
            name="Bench", short_code=f"BENCH-{time.time_ns()}", authorization_method="license-key"
        )
        s.add(product)
        await s.flush()
        policy = LicensePolicy(
            product_id=product.id, name="Annual", code="annual", is_default=True, **POLICY
        )
        s.add(policy)
        await s.flush()
        return product.id, policy.id


async def new_order(db: Database, n: int) -> int:
    async with db.sessions.begin() as s:
        store_id = f"BENCH-{time.time_ns()}-{n}"
        order = Order(store_id=store_id, store_id_lc=lc(store_id))
        s.add(order)
        await s.flush()
        return order.id


def rows_for(order_id: int, product_id: int, policy_id: int, count: int) -> list[dict]:
    now = datetime.now(UTC)
    template = dict(Entitlements.model_validate(POLICY).values())
    template.update(
        order_id=order_id,
        product_id=product_id,
        policy_id=policy_id,
        user_email=None,
        total_consumptions=0,
        times_activated=0,
        transfer_count=0,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
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
        await issue_licenses(
            db,
            "bench",
            order_id,
            [LineInput(product_id=product_id, policy_id=policy_id, quantity=count)],
        )
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
        for name in ("sqlite3 executemany", "sqlite3 unsorted", "sqlite3 commit"):
            times[name] = []
        await db.dispose()
        for _ in range(runs):  # alternate, so both see the same machine
            for name, ordered in (("sqlite3 executemany", True), ("sqlite3 unsorted", False)):
                n += 1
                took, commit = raw_sqlite(str(path), n, product_id, policy_id, count, ordered)
                times[name].append(took)
                if ordered:
                    times["sqlite3 commit"].append(commit)
    else:
        await db.dispose()
    return times


def raw_sqlite(
    path: str, n: int, product_id: int, policy_id: int, count: int, ordered: bool
) -> tuple[float, float]:
    """Seconds for the whole transaction, and for its COMMIT alone."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    stamp = time.time_ns()
    conn.execute(
        "INSERT INTO orders (store_id, store_id_lc, reference, reference_lc, "
        "campaign_params, download_id, language, is_test, is_trial, order_type, "
        "created_at, updated_at, version) VALUES (?, ?, '', '', '', '', '', 0, 0, "
        "'normal', ?, ?, 1)",
        # unique across calls of ``run`` on one database (benchmarks.issue_scale calls it often)
        (
            f"BENCH-RAW-{n}-{stamp}",
            f"bench-raw-{n}-{stamp}",
            "2026-01-01 00:00:00",
            "2026-01-01 00:00:00",
        ),
    )
    order_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    rows = rows_for(order_id, product_id, policy_id, count)
    columns = list(rows[0])
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    tuples = [
        tuple(now if c in ("created_at", "updated_at") else r[c] for c in columns) for r in rows
    ]
    if ordered:
        at = columns.index("license_key")
        tuples.sort(key=lambda t: t[at])
    sql = f"INSERT INTO licenses ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, tuples)
    committing = time.perf_counter()
    conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return end - start, end - committing


def figures(args: argparse.Namespace) -> list[Figure]:
    runs = 3 if args.quick else args.runs
    scratch = None if args.db else scratch_copy(args.orders)
    try:
        times = asyncio.run(run(args.db or str(scratch), args.licenses, runs))
    finally:
        if scratch is not None:
            drop_scratch(scratch)
    service = times["service"]
    core = times["core executemany"]
    floor = times.get("sqlite3 executemany") or core
    value, base = statistics.median(service), statistics.median(floor)
    return [
        Figure(
            name=f"issue {args.licenses:,} licenses (service, one transaction)",
            value=value,
            shown=spread(service),
            baseline_name="raw executemany of the same rows in key order (stdlib sqlite3)"
            if "sqlite3 executemany" in times
            else "Core executemany of the same rows",
            baseline=base,
            baseline_shown=spread(floor),
            target="≤ 5× raw",
            met=value <= 5 * base,
            notes=f"SQLAlchemy Core executemany of the same rows: {spread(core)}"
            + (
                f"; raw in the order drawn: {spread(times['sqlite3 unsorted'])}; "
                f"of the raw one, its COMMIT (WAL checkpoint): {spread(times['sqlite3 commit'])}"
                if "sqlite3 unsorted" in times
                else ""
            ),
        )
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--licenses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--db", help="database URL (default: a copy of the cached database)")


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
