"""Export the largest order of a cached large database (``make bench-scale``): rows/s against
``csv.writer`` over one raw query, and whether memory stays flat as the order grows.

    .venv/bin/python -m benchmarks.export_scale --orders 1000000 [--backend postgresql] [--runs 3]

It reuses ``benchmarks.export_large``'s runs (the export, its SQL-built-lines floor, the Python
formatter and the raw ``csv.writer`` baseline; each in a fresh process, interleaved A B C D, RSS
sampled every 5 ms) on orders that are already in the cached database, read as they are — no
copy, no seeding, no delete (the export adds its audit event, as it does for an operator):

- the largest order (≈500,000 licenses at 1,000,000 orders; ``demo.license_count_plan``);
- for memory, the other order nearest 100,000 licenses in the same database (at 1,000,000
  orders the demo's next largest have ≈49,500): the export's RSS growth on the largest order
  against its growth on that one, in the same run — ten times the rows for the same memory is
  what flat means. Flat = within 8 MB of it (and the Python heap's peak too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys

from sqlalchemy import func, select

from benchmarks import export_large
from benchmarks.common import ORDERS, Figure, bench_main, ensure_pg, ensure_sqlite, spread
from benchmarks.export_large import per_run
from orderview.db.engine import open_database
from orderview.db.models import License

KINDS = ("orderview", "raw", "lines", "reference")


async def largest_and_100k(url: str, near: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(order id, licenses) of the largest order, and of the other order nearest ``near``
    licenses (orders of fewer than 1,000 are not looked at)."""
    db = open_database(url)
    try:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(License.order_id, func.count())
                    .group_by(License.order_id)
                    .having(func.count() >= 1_000)
                )
            ).all()
    finally:
        await db.dispose()
    if len(rows) < 2:
        raise SystemExit("fewer than two orders of 1,000 licenses or more: use a larger --orders")
    by_size = sorted((count, order) for order, count in rows)
    big = by_size.pop()
    other = min(by_size, key=lambda r: abs(r[0] - near))
    return (big[1], big[0]), (other[1], other[0])


def child(url: str, order: int, kind: str, traced: bool = False) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.export_scale", "--child", url, str(order), kind]
        + (["--traced"] if traced else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def figures(args: argparse.Namespace) -> list[Figure]:
    url = (
        ensure_pg(args.orders) if args.backend == "postgresql" else str(ensure_sqlite(args.orders))
    )
    (big, big_n), (small, small_n) = asyncio.run(largest_and_100k(url, args.compare))
    runs = 2 if args.quick else args.runs
    done: dict[str, list[dict[str, float]]] = {k: [] for k in (*KINDS, "100k")}
    for _ in range(runs):  # interleaved: A B C D E A B C D E
        for kind in KINDS:
            done[kind].append(child(url, big, kind))
        done["100k"].append(child(url, small, "orderview"))
    heap = child(url, big, "orderview", traced=True)["heap_peak_kb"] / 1024
    heap_small = child(url, small, "orderview", traced=True)["heap_peak_kb"] / 1024

    rates, growth = per_run(done)
    rate, raw = statistics.median(rates["orderview"]), statistics.median(rates["raw"])
    grew, grew_small = statistics.median(growth["orderview"]), statistics.median(growth["100k"])
    size_mb = done["orderview"][0]["bytes"] / 1e6
    backend = "PostgreSQL" if args.backend == "postgresql" else "SQLite"
    driver = "asyncpg" if args.backend == "postgresql" else "aiosqlite"
    return [
        Figure(
            name=f"export the largest order ({big_n:,} licenses), {backend} (rows/s)",
            value=rate,
            shown=spread(rates["orderview"], 1, 0, "rows/s"),
            baseline_name=f"csv.writer over one raw 37-column query ({driver})",
            baseline=raw,
            baseline_shown=spread(rates["raw"], 1, 0, "rows/s"),
            higher_is_better=True,
            target="≥ the raw csv.writer baseline",
            met=rate >= raw,
            notes=f"{size_mb:.0f} MB file; the same SQL-built lines with plain writes (the "
            f"export's own floor): {spread(rates['lines'], 1, 0, 'rows/s')}; cells formatted "
            f"in Python (export._reference_pages): {spread(rates['reference'], 1, 0, 'rows/s')}",
        ),
        Figure(
            name=f"… its memory growth (RSS sampled; Python heap peak), {backend}",
            value=grew,
            shown=f"{spread(growth['orderview'], 1, 1, 'MB')}; heap {heap:.1f} MB",
            baseline_name=f"the same export of a {small_n:,}-license order, same database",
            baseline=None,
            baseline_shown=f"{spread(growth['100k'], 1, 1, 'MB')}; heap {heap_small:.1f} MB",
            target=f"flat: within 8 MB of the {small_n:,}-size export (the file is {size_mb:.0f} MB)",
            met=grew <= grew_small + 8 and heap <= heap_small + 8,
        ),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--compare", type=int, default=100_000, help="the memory comparison's order size (about)"
    )


def main() -> None:
    if "--child" in sys.argv:
        url, order, kind = sys.argv[sys.argv.index("--child") + 1 :][:3]

        async def fixed(db: object) -> int:
            return int(order)

        export_large.order_id = fixed  # the order, not BENCH-EXPORT
        print(json.dumps(asyncio.run(export_large.measure(url, kind, "--traced" in sys.argv))))
        return
    bench_main(__doc__, figures, configure)


if __name__ == "__main__":
    main()
