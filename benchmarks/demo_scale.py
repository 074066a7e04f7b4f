"""``orderview demo --orders 100000`` (≈1M licenses) as an operator runs it, against raw inserts
of the same rows.

    .venv/bin/python -m benchmarks.demo_scale [--orders 100000] [--runs 2]

The demo command runs as a subprocess into a new SQLite file (wall time: Python start-up, the
schema migration, generating every row and writing it). The baseline writes the very same rows,
read back from the file that demo run just made (not the shared cache, which an older generator
may have made), into a new file the way the demo's SQLite fast path writes
(``orderview.demo_sqlite``): the same PRAGMAs (``LOAD_PRAGMAS``: rollback journal,
synchronous=OFF, the same page cache), the tables and the indexes that back UNIQUE constraints
first, every row in one transaction through the stdlib ``sqlite3`` driver (``executemany`` of
plain tuples, 20,000 rows a call), then the secondary indexes from their saved ``CREATE INDEX``
text, COMMIT, ``ANALYZE`` and back to WAL, as the demo ends. It does not generate anything, so
the ratio is the price of generating the data in Python (in a worker process, overlapping the
writes). The two alternate run by run (A B A B).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import ORDERS, Figure, bench_main, run_demo, spread
from orderview.demo_sqlite import LOAD_PRAGMAS

BATCH = 20_000


def raw_copy(source: Path, target: Path) -> tuple[float, int]:
    """Insert every row of ``source`` into a new database ``target`` with the same schema, as
    the demo's fast path does; returns (seconds, rows)."""
    src = sqlite3.connect(source)
    schema = src.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    tables = [name for kind, name, _ in schema if kind == "table"]
    began = time.perf_counter()
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in LOAD_PRAGMAS:
        dst.execute(pragma)
    for kind, _name, sql in schema:
        if kind != "index":
            dst.execute(sql)
    rows = 0
    dst.execute("BEGIN IMMEDIATE")
    for table in tables:
        cursor = src.execute(f'SELECT * FROM "{table}"')
        width = len(cursor.description)
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * width)})'
        while batch := cursor.fetchmany(BATCH):
            dst.executemany(insert, batch)
            rows += len(batch)
    for kind, _name, sql in schema:
        if kind == "index":
            dst.execute(sql)
    dst.execute("COMMIT")
    dst.execute("ANALYZE")
    dst.execute("PRAGMA journal_mode=WAL")
    seconds = time.perf_counter() - began
    dst.close()
    src.close()
    return seconds, rows


def figures(args: argparse.Namespace) -> list[Figure]:
    runs = 1 if args.quick else args.runs
    demo, raw = [], []
    rows = 0
    with tempfile.TemporaryDirectory(prefix="orderview-demo-") as tmp:
        for n in range(runs):
            target = Path(tmp) / f"demo-{n}.db"
            demo.append(run_demo(str(target), args.orders))
            copy = Path(tmp) / f"raw-{n}.db"
            seconds, rows = raw_copy(target, copy)  # the rows this very run generated
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
            "(stdlib sqlite3 executemany, one transaction, indexes after, demo's settings)",
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
