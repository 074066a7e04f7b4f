"""The issue's scale points on a 100,000-order demo database (≈1M licenses).

    .venv/bin/python -m benchmarks.demo_scale [--orders 100000] [--db PATH_OR_URL] [--reuse]

1. ``orderview demo --orders N`` as an operator runs it (a subprocess; wall time).
2. Service latencies, in-process, median of ``--runs``: search by a whole license key, by a key
   fragment, by Order ID, customer email / last name / company prefixes, the empty search
   (newest orders), loading the largest order, the first and a deep page of its licenses.
3. ``orderview search KEY`` and ``orderview show BIGGEST`` as subprocesses (wall time, Python
   start-up included).
4. On SQLite, ``EXPLAIN QUERY PLAN`` of the search queries: each must use an index.
5. The app (headless, 80×24): ``orderview open BIGGEST``, then ``3``: time until the Licenses
   tab shows its first rows (the issue asks for "within a second").

Without ``--db`` the database goes to a temporary directory (never into the checkout).
``--reuse`` skips step 1 when the database already holds orders.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, select, text

from orderview.db.engine import Database, open_database
from orderview.db.migrate import ensure_schema
from orderview.db.models import Customer, License, Order
from orderview.services import orders


def _cli(*argv: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "orderview", *argv], capture_output=True,
                            text=True, env={**os.environ, "ORDERVIEW_OPERATOR": "bench"})
    return time.perf_counter() - began, result


async def _median_ms(call: Callable[[], Awaitable[object]], runs: int) -> float:
    await call()  # warm the cache: an operator's second search, not the disk's first read
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


async def _facts(db: Database) -> dict[str, object]:
    async with db.sessions() as s:
        biggest_id, biggest_count = (await s.execute(
            select(License.order_id, func.count()).group_by(License.order_id)
            .order_by(func.count().desc()).limit(1))).one()
        biggest = await s.scalar(select(Order.store_id).where(Order.id == biggest_id))
        total = await s.scalar(select(func.count(License.id)))
        n_orders = await s.scalar(select(func.count(Order.id)))
        key, key_order = (await s.execute(
            select(License.license_key, License.order_id)
            .where(License.license_key.is_not(None), License.id > total // 2)
            .order_by(License.id).limit(1))).one()
        some = (await s.execute(
            select(Order.store_id, Customer.email, Customer.last_name, Customer.company_name)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Customer.company_name != "", Order.id > n_orders // 3)
            .order_by(Order.id).limit(1))).one()
        last_id = await s.scalar(select(func.max(License.id)).where(License.order_id == biggest_id))
    return {"biggest": biggest, "biggest_id": biggest_id, "biggest_count": biggest_count,
            "licenses": total, "orders": n_orders, "key": key, "key_order": key_order,
            "store_id": some[0], "email": some[1], "last_name": some[2], "company": some[3],
            "last_license_id": last_id}


async def _explain(db: Database, facts: dict[str, object]) -> list[str]:
    """The search's queries on SQLite, each with its plan (they must all use indexes)."""
    needle = str(facts["email"])[:6].lower()
    probes = {
        "key prefix": ("SELECT order_id FROM licenses WHERE license_key >= :p AND "
                       "license_key < :p || char(1114111) ORDER BY license_key LIMIT 51",
                       str(facts["key"])[:9]),
        "Order ID prefix": ("SELECT id FROM orders WHERE store_id_lc >= :p AND store_id_lc < "
                            ":p || char(1114111) ORDER BY store_id_lc LIMIT 51",
                            str(facts["store_id"]).lower()[:6]),
        "customer prefix": ("SELECT id FROM customers WHERE (email_lc >= :p AND email_lc < :p || "
                            "char(1114111)) OR (company_lc >= :p AND company_lc < :p || "
                            "char(1114111)) LIMIT 51", needle),
        "orders of customers": ("SELECT id FROM orders WHERE customer_id IN (1, 2, 3) "
                                "ORDER BY id DESC LIMIT 51", None),
        "licenses of an order": ("SELECT count(id) FROM licenses WHERE order_id = :o", None),
    }
    lines = []
    async with db.engine.connect() as conn:
        for name, (sql, prefix) in probes.items():
            params = {"p": prefix, "o": facts["biggest_id"]}
            plan = (await conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)).all()
            lines.append(f"{name}: " + " | ".join(row[-1] for row in plan))
    return lines


async def measure(db_location: str, runs: int) -> None:
    db = open_database(db_location)
    await ensure_schema(db)
    f = await _facts(db)
    print(f"\ndatabase: {f['orders']:,} orders, {f['licenses']:,} licenses; largest order "
          f"{f['biggest']} with {f['biggest_count']:,} licenses\n")
    key = str(f["key"])
    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (f"search whole license key `{key}`", lambda: orders.search_orders(db, key)),
        (f"search key fragment `{key[:6].lower()}`", lambda: orders.search_orders(db, key[:6])),
        (f"search Order ID `{f['store_id']}`",
         lambda: orders.search_orders(db, str(f["store_id"]))),
        (f"search email prefix `{str(f['email'])[:8]}`",
         lambda: orders.search_orders(db, str(f["email"])[:8])),
        (f"search last name `{f['last_name']}`",
         lambda: orders.search_orders(db, str(f["last_name"]))),
        (f"search company prefix `{str(f['company'])[:5]}`",
         lambda: orders.search_orders(db, str(f["company"])[:5])),
        ("empty search (newest 50 orders)", lambda: orders.search_orders(db, "")),
        (f"load largest order `{f['biggest']}` (customer, managers, count)",
         lambda: orders.get_order_by_store_id(db, str(f["biggest"]))),
        ("its first page of 100 licenses",
         lambda: orders.page_licenses(db, int(f["biggest_id"]), limit=100)),  # type: ignore[call-overload]
        ("its last page of 100 licenses (keyset)",
         lambda: orders.page_licenses(db, int(f["biggest_id"]),  # type: ignore[call-overload]
                                      before_id=int(f["last_license_id"]) + 1, limit=100)),
    ]
    print("| service call | median ms |\n|---|---|")
    for label, call in cases:
        print(f"| {label} | {await _median_ms(call, runs):.1f} |")
    found = await orders.search_orders(db, key)
    assert [o.id for o in found.items] == [f["key_order"]], "key search found the wrong order"
    if db.dialect == "sqlite":
        print("\nSQLite query plans:")
        for line in await _explain(db, f):
            print(f"- {line}")
    await db.dispose()

    print("\n| command (subprocess, Python start-up included) | wall s |\n|---|---|")
    for argv in (("search", key), ("search", key, "--json"), ("show", str(f["biggest"])),
                 ("show", str(f["biggest"]), "--json", "--licenses", "1000")):
        took, result = _cli(*argv, "--db", db_location)
        assert result.returncode == 0, result.stderr
        print(f"| `orderview {' '.join(argv)}` | {took:.2f} |")
    took, result = _cli("db", "upgrade", "--db", db_location)
    print(f"| `orderview db upgrade` (start-up floor: already at head) | {took:.2f} |")
    await app_timing(db_location, str(f["biggest"]))


async def app_timing(location: str, store_id: str) -> None:
    """Open the largest order in the real app and time the Licenses tab after pressing 3."""
    from orderview.app import OrderviewApp
    from orderview.settings import Settings
    from screens.order import OrderScreen
    from screens.order_tabs.licenses import LicensesPane
    from widgets.literal_table import LiteralTable

    async def until(predicate: Callable[[], bool]) -> None:
        while True:
            try:
                if predicate():
                    return
            except Exception:  # not mounted yet
                pass
            await asyncio.sleep(0.005)

    db = open_database(location)
    app = OrderviewApp(db, Settings(db=location), "bench", open_store_id=store_id)
    async with app.run_test(size=(80, 24)) as pilot:
        began = time.perf_counter()
        await until(lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None)
        opened = time.perf_counter() - began
        await pilot.pause()
        began = time.perf_counter()
        await pilot.press("3")
        await until(lambda: app.screen.query_one(LicensesPane).query_one(LiteralTable).row_count > 0)
        await pilot.pause()
        tab = time.perf_counter() - began
    await db.dispose()
    print(f"\n| app (headless 80×24) | s |\n|---|---|\n"
          f"| `orderview open {store_id}`: order screen loaded | {opened:.2f} |\n"
          f"| then `3`: Licenses tab showing its first rows | {tab:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", help="file path or URL (default: a new temporary file)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep data already in --db")
    args = parser.parse_args()
    location = args.db or str(Path(tempfile.mkdtemp(prefix="orderview-scale-")) / "demo.db")
    if not args.reuse:
        print(f"$ orderview demo --db {location} --orders {args.orders} --force")
        took, result = _cli("demo", "--db", location, "--orders", str(args.orders), "--force")
        print(result.stdout, end="")
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        print(f"wall time of the demo command: {took:.1f} s")
    asyncio.run(measure(location, args.runs))


if __name__ == "__main__":
    main()
