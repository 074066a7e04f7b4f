"""Export an order of 100,000 licenses: rows/s and memory growth, each against a like-for-like
floor; then delete the order and measure the audit snapshot.

    .venv/bin/python -m benchmarks.export_large [--licenses 100000] [--runs 3] [--db URL]

Without ``--db`` the order is added to a private copy of the cached 100,000-order database
(deleted afterwards). Like with like:

- the export (license cells built by the database, ``orderview.export_sql``) against the floor
  of that design: the very same SQL-built lines read through the same driver (aiosqlite, or
  asyncpg) and written with plain ``write`` calls behind the same order/customer cells — no
  snapshot transaction, no temporary file, no fsync, no rename;
- the Python-formatting path (``export._reference_pages``: 37 raw columns per row, formatted
  and neutralised in Python) against one raw 37-column query handed straight to ``csv.writer``.

The four alternate run by run (A B C D A B C D). Each runs in a fresh subprocess. Memory is
growth over the process's own state just before the export (after imports and a first query):
RSS sampled every 5 ms during the run by a thread (``/proc/self/statm``), and the Python heap's
peak from ``tracemalloc`` started right before the export (one more, traced, run each: it slows
the run down, so rows/s come from the untraced runs).

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
import threading
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
            insert(Customer)
            .values(
                email="bench-export@example.com",
                company_name="Bench Ltd",
                first_name="B",
                last_name="Ench",
                **customer_keys("bench-export@example.com", "B", "Ench", "Bench Ltd"),
            )
            .returning(Customer.id)
        )
        order = await conn.scalar(
            insert(Order)
            .values(store_id=STORE_ID, store_id_lc=lc(STORE_ID), customer_id=customer)
            .returning(Order.id)
        )
        now = datetime.now(UTC)
        keys = generate_keys(count)
        for start in range(0, count, 10_000):
            await conn.execute(
                insert(License),
                [
                    {
                        "order_id": order,
                        "product_id": product,
                        "license_key": key,
                        "note": "bench note",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for key in keys[start : start + 10_000]
                ],
            )
    await db.dispose()


async def order_id(db: Database) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(Order.id).where(Order.store_id == STORE_ID))


async def run_orderview(db: Database, target: Path) -> int:
    return (
        await export.export_to_file(db, await order_id(db), target, overwrite=True, actor="tester")
    ).rows


async def run_reference(db: Database, target: Path) -> int:
    """The same export with the license cells formatted by the Python reference formatter
    (the path before the database built them), for a same-run comparison."""
    export.iter_pages = export._reference_pages
    return await run_orderview(db, target)


RAW_EXPORT = (
    "SELECT o.store_id, o.reference, o.order_type, o.is_test, o.is_trial, o.download_id, "
    "o.language, o.campaign_params, c.email, c.first_name, c.last_name, c.company_name, c.phone, "
    "c.reference, c.address, c.city, c.state, c.postcode, c.country, p.short_code, "
    "l.license_key, l.license_type, l.enabled, l.enabled, l.max_activations, l.times_activated, "
    "l.validity_period, l.start_date, l.is_trial, l.is_floating, l.floating_users, l.note, "
    "l.created_at, l.user_email, l.valid_duration, l.maintenance_duration, "
    "l.maintenance_period FROM orders o JOIN licenses l ON l.order_id = o.id "
    "JOIN products p ON p.id = l.product_id LEFT JOIN customers c ON c.id = o.customer_id "
    "WHERE o.id = {param} ORDER BY l.id"
)


async def run_lines(db: Database, target: Path) -> int:
    """The export's floor: the same SQL-built lines through the same driver, written behind the
    same order/customer cells with plain writes (no transaction, temp file, fsync or rename)."""
    from orderview import export_sql

    oid = await order_id(db)
    today = datetime.now(UTC).date()
    async with db.engine.connect() as conn:
        cells, _ = await export._order_cells(conn, oid)
    head = export.csv_prefix(cells)
    rows = 0
    sql = export_sql.license_lines(db.dialect)
    with target.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(export.COLUMNS) + "\r\n")
        if db.dialect == "sqlite":
            import aiosqlite

            async with aiosqlite.connect(str(db.url.database)) as conn:
                cursor = await conn.execute(sql, (today.isoformat(), oid))
                while part := await cursor.fetchmany(export.PAGE_SIZE):
                    fh.write("".join(head + row[0] + "\r\n" for row in part))
                    rows += len(part)
        else:
            import asyncpg

            pg = await asyncpg.connect(
                db.url.set(drivername="postgresql").render_as_string(hide_password=False)
            )
            try:
                async with pg.transaction():
                    cur = await pg.cursor(sql, today, oid)
                    while part := await cur.fetch(export.PAGE_SIZE):
                        fh.write("".join(head + row[0] + "\r\n" for row in part))
                        rows += len(part)
            finally:
                await pg.close()
    return rows


async def run_raw(db: Database, target: Path) -> int:
    """The Python path's floor: one raw 37-column query through the driver, rows straight into
    csv.writer."""
    oid = await order_id(db)
    rows = 0
    with target.open("w", encoding="utf-8", newline="") as fh:
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
                db.url.set(drivername="postgresql").render_as_string(hide_password=False)
            )
            try:
                async with conn.transaction():
                    async for record in conn.cursor(
                        RAW_EXPORT.format(param="$1"), oid, prefetch=5000
                    ):
                        writer.writerow(record)
                        rows += 1
            finally:
                await conn.close()
    return rows


def _rss_kb() -> int:
    statm = Path("/proc/self/statm").read_text()
    return int(statm.split()[1]) * resource.getpagesize() // 1024


class RssSampler:
    """The process's RSS every few milliseconds while a run goes on: its highest value."""

    def __init__(self, every: float = 0.005) -> None:
        self.every, self.peak = every, _rss_kb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, _rss_kb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_kb())


Runs = dict[str, list[float]]
RUNS = {"orderview": run_orderview, "reference": run_reference, "lines": run_lines, "raw": run_raw}


async def measure(url: str, which: str, traced: bool) -> dict[str, float]:
    db = open_database(url)
    target = Path(tempfile.mkdtemp()) / f"{which}.csv"
    run = RUNS[which]
    await order_id(db)  # connect and warm up before the baseline
    rss_before = _rss_kb()
    if traced:
        tracemalloc.start()
    with RssSampler() as rss:
        start = time.perf_counter()
        rows = await run(db, target)
        seconds = time.perf_counter() - start
    figures = {
        "rows": rows,
        "seconds": seconds,
        "bytes": target.stat().st_size,
        "rss_before_kb": rss_before,
        "rss_peak_kb": rss.peak,
    }
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
    result = await deletion.delete_order(
        db, "bench", oid, preview.version, fingerprint=preview.fingerprint
    )
    seconds = time.perf_counter() - start
    async with db.sessions() as s:
        snapshot = await s.scalar(
            select(AuditEvent.snapshot).where(AuditEvent.id == result.audit_event_id)
        )
        left = await s.scalar(select(func.count(License.id)).where(License.order_id == oid))
    await db.dispose()
    return {
        "seconds": seconds,
        "licenses": result.license_count,
        "left": left or 0,
        "snapshot_kb": len(json.dumps(snapshot)) / 1024,
    }


def child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.export_large", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def per_run(done: dict[str, list[dict[str, float]]]) -> tuple[Runs, Runs]:
    """Each kind's ``measure`` runs as rows/s, and as MB of RSS growth over the state before."""
    return (
        {k: [m["rows"] / m["seconds"] for m in ms] for k, ms in done.items()},
        {k: [(m["rss_peak_kb"] - m["rss_before_kb"]) / 1024 for m in ms] for k, ms in done.items()},
    )


def figures(args: argparse.Namespace) -> list[Figure]:
    runs = 2 if args.quick else args.runs
    scratch = None if args.db else scratch_copy(args.orders)
    url = args.db or str(scratch)
    kinds = ("orderview", "lines", "reference", "raw")
    done: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    try:
        asyncio.run(seed(url, args.licenses))
        for _ in range(runs):  # interleaved: A B C D A B C D
            for kind in kinds:
                done[kind].append(child(["--db", url, "--measure", kind]))
        heap = {
            k: child(["--db", url, "--measure", k, "--traced"])["heap_peak_kb"] / 1024
            for k in ("orderview", "lines")
        }
        gone = child(["--db", url, "--measure", "delete"])
    finally:
        if scratch is not None:
            drop_scratch(scratch)

    rates, growth = per_run(done)
    rate, floor = statistics.median(rates["orderview"]), statistics.median(rates["lines"])
    ref, ref_floor = statistics.median(rates["reference"]), statistics.median(rates["raw"])
    size_mb = done["orderview"][0]["bytes"] / 1e6
    grew, floor_grew = statistics.median(growth["orderview"]), statistics.median(growth["lines"])
    # Flat: the export keeps no more than a few pages in memory, whatever the order's size —
    # growth within a few MB of the floor's (which holds one page), far below the file.
    flat = grew <= floor_grew + 8 and heap["orderview"] <= heap["lines"] + 8
    driver = "asyncpg" if url.startswith("postgresql") else "aiosqlite"
    return [
        Figure(
            name=f"export an order of {args.licenses:,} licenses (rows/s)",
            value=rate,
            shown=spread(rates["orderview"], 1, 0, "rows/s"),
            baseline_name=f"the same SQL-built lines through {driver}, plain writes",
            baseline=floor,
            baseline_shown=spread(rates["lines"], 1, 0, "rows/s"),
            higher_is_better=True,
            target="≥ the like-for-like floor",
            met=rate >= floor,
            notes=f"{size_mb:.1f} MB file; delete_order of it {gone['seconds']:.2f} s",
        ),
        Figure(
            name="… the same export with the cells formatted in Python "
            "(export._reference_pages, rows/s)",
            value=ref,
            shown=spread(rates["reference"], 1, 0, "rows/s"),
            baseline_name=f"csv.writer over one raw 37-column query ({driver})",
            baseline=ref_floor,
            baseline_shown=spread(rates["raw"], 1, 0, "rows/s"),
            higher_is_better=True,
            target="—",
            met=None,
        ),
        Figure(
            name="… its memory growth over the state before the export (RSS sampled; "
            "Python heap peak)",
            value=grew,
            shown=f"{spread(growth['orderview'], 1, 1, 'MB')}; heap {heap['orderview']:.1f} MB",
            baseline_name="the same SQL-built lines, plain writes",
            baseline=None,
            baseline_shown=f"{spread(growth['lines'], 1, 1, 'MB')}; heap {heap['lines']:.1f} MB",
            target=f"flat (within 8 MB of the floor; the file is {size_mb:.0f} MB)",
            met=flat,
        ),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--licenses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--db", help="database URL or path (default: a copy of the cached one)")
    parser.add_argument("--measure", choices=[*RUNS, "delete"], help=argparse.SUPPRESS)
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
