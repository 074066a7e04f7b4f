"""Issue 10,000 licenses into the large database against the same into an empty one
(``make bench-scale``): what ten million licenses already there cost an issuance.

    .venv/bin/python -m benchmarks.issue_scale --orders 1000000 [--backend postgresql] [--runs 5]

Each round runs ``benchmarks.issue_licenses.run`` once on each database, alternating (large,
empty, large, empty …), so a noisy neighbour hurts both alike: the service's issuance
(validation, keys, the "already used?" checks, the inserts into every index, the audit event)
and, in the notes, the same rows as one Core executemany (and on SQLite the stdlib floor).
The large database is a private copy of the cached one (SQLite: a file copy; PostgreSQL:
``CREATE DATABASE … TEMPLATE``), so the cache stays as generated; both are dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import issue_licenses
from benchmarks.common import (
    ORDERS,
    PG_ADMIN_URL,
    Figure,
    bench_main,
    drop_scratch,
    ensure_pg,
    pg_url,
    scratch_copy,
    spread,
)

COPY, EMPTY = "orderview_bench_scale_issue", "orderview_bench_scale_empty"


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def _databases(args: argparse.Namespace) -> tuple[str, str, float]:
    """The large copy's URL, the empty one's, and how long the copy took."""
    began = time.perf_counter()
    if args.backend == "sqlite":
        big = str(scratch_copy(args.orders))
        empty = str(Path(tempfile.mkdtemp(prefix="orderview-bench-")) / "empty.db")
        return big, empty, time.perf_counter() - began
    template = ensure_pg(args.orders).rsplit("/", 1)[1]
    asyncio.run(
        _pg_admin(
            f'DROP DATABASE IF EXISTS "{COPY}"',
            f'DROP DATABASE IF EXISTS "{EMPTY}"',
            f'CREATE DATABASE "{COPY}" TEMPLATE "{template}"',
            f'CREATE DATABASE "{EMPTY}"',
        )
    )
    base = pg_url(args.orders).rsplit("/", 1)[0]
    return f"{base}/{COPY}", f"{base}/{EMPTY}", time.perf_counter() - began


def _drop(args: argparse.Namespace, big: str, empty: str) -> None:
    if args.backend == "sqlite":
        drop_scratch(Path(big))
        drop_scratch(Path(empty))
    else:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{COPY}"', f'DROP DATABASE "{EMPTY}"'))


def figures(args: argparse.Namespace) -> list[Figure]:
    runs = 3 if args.quick else args.runs
    big, empty, copied = _databases(args)
    times: dict[str, dict[str, list[float]]] = {"big": {}, "empty": {}}
    try:
        for _ in range(runs):
            for which, url in (("big", big), ("empty", empty)):
                found = asyncio.run(issue_licenses.run(url, args.licenses, 1))
                for name, values in found.items():
                    times[which].setdefault(name, []).extend(values)
    finally:
        _drop(args, big, empty)
    value = statistics.median(times["big"]["service"])
    base = statistics.median(times["empty"]["service"])
    backend = "PostgreSQL" if args.backend == "postgresql" else "SQLite"
    floor = "sqlite3 executemany" if args.backend == "sqlite" else "core executemany"
    return [
        Figure(
            name=f"issue {args.licenses:,} licenses into the {args.orders:,}-order database "
            f"(service), {backend}",
            value=value,
            shown=spread(times["big"]["service"]),
            baseline_name="the same issuance into an empty database",
            baseline=base,
            baseline_shown=spread(times["empty"]["service"]),
            target="≤ 2× the empty one",
            met=value <= 2 * base,
            notes=f"{floor} of the same rows: {spread(times['big'][floor])} into the large "
            f"one, {spread(times['empty'][floor])} into the empty one; the private copy "
            f"took {copied:.0f} s",
        )
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--licenses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
