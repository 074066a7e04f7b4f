"""``orderview demo --orders 100000`` (≈1M licenses) as an operator runs it, against raw inserts
of the same rows.

    .venv/bin/python -m benchmarks.demo_scale [--orders 100000] [--runs 2]

The demo command runs as a subprocess into a new SQLite file (wall time: Python start-up, the
schema migration, generating every row and writing it). The baseline writes the very same rows,
read back from the cached database, into a new file with the same schema and the same SQLite
settings as ``demo`` (WAL, synchronous=NORMAL, foreign keys on, busy timeout, and the 256 MB
page cache ``demo`` sets for its index inserts: ``SETTINGS``) through the stdlib ``sqlite3``
driver:
``executemany`` of plain tuples, 20,000 rows a call, one transaction per table. It does not
generate anything, so the ratio is the price of generating the data in Python. The two
alternate run by run (A B A B).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import ORDERS, Figure, bench_main, ensure_sqlite, run_demo, spread

BATCH = 20_000
# What ``orderview demo`` runs on its connection (``orderview.db.engine``'s pragmas and the
# cache ``orderview.demo`` sets): the baseline gets the same, or it measures SQLite's 2 MB
# default cache against demo's 256 MB.
SETTINGS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA cache_size=-262144",
)


def raw_copy(source: Path, target: Path) -> tuple[float, int]:
    """Insert every row of ``source`` into a new database ``target`` with the same schema;
    returns (seconds, rows)."""
    src = sqlite3.connect(source)
    schema = src.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    tables = [name for kind, name, _ in schema if kind == "table"]
    began = time.perf_counter()
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in SETTINGS:
        dst.execute(pragma)
    for _kind, _name, sql in schema:
        dst.execute(sql)
    rows = 0
    for table in tables:
        cursor = src.execute(f'SELECT * FROM "{table}"')
        width = len(cursor.description)
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * width)})'
        dst.execute("BEGIN IMMEDIATE")
        while batch := cursor.fetchmany(BATCH):
            dst.executemany(insert, batch)
            rows += len(batch)
        dst.execute("COMMIT")
    seconds = time.perf_counter() - began
    dst.close()
    src.close()
    return seconds, rows


def figures(args: argparse.Namespace) -> list[Figure]:
    source = ensure_sqlite(args.orders)
    runs = 1 if args.quick else args.runs
    demo, raw = [], []
    rows = 0
    with tempfile.TemporaryDirectory(prefix="orderview-demo-") as tmp:
        for n in range(runs):
            target = Path(tmp) / f"demo-{n}.db"
            demo.append(run_demo(str(target), args.orders))
            copy = Path(tmp) / f"raw-{n}.db"
            seconds, rows = raw_copy(source, copy)
            raw.append(seconds)
            for path in Path(tmp).iterdir():
                path.unlink()
    value = statistics.median(demo)
    return [
        Figure(
            name=f"`orderview demo --orders {args.orders}` (wall, subprocess)",
            value=value,
            shown=spread(demo, digits=1),
            baseline_name=f"raw inserts of the same {rows:,} rows "
            "(stdlib sqlite3 executemany, demo's SQLite settings)",
            baseline=statistics.median(raw),
            baseline_shown=spread(raw, digits=1),
            target="≤ 3× baseline",
            met=value <= 3 * statistics.median(raw),
        )
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument(
        "--runs",
        type=int,
        default=2,
        help="a run takes ~30 s on 2 cores: the suite's longest figure",
    )


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
