"""``make bench-desk``: a busy desk (issue 22) — N operators at once on one database, each
working through the service layer as a person does (``benchmarks/desk_operator.py`` states the
think-time model), for a fixed time per N.

PostgreSQL: N = 10, 25, 50 on a copy of the cached 100,000-order benchmark database
(``CREATE DATABASE orderview_desk TEMPLATE orderview_bench``, dropped after each N, so the cache
never sees a write). Reported per N: p50 / p95 per action, throughput, conflicts shown against
lost updates (``desk_check``: must be 0), errors (must be 0), and the peak of the database's
connections in ``pg_stat_activity``. Target: p95 ≤ 100 ms for every read action at 50.

SQLite: 1, 2, 4, … concurrent operators on a copy of the cached file, first at a person's pace,
then as writers with no pauses (open, save, issue, again), to find where writers start to wait
past SQLite's busy timeout: the point where a desk should move to PostgreSQL.

The operators run in ``--workers`` processes (2: one per core) as asyncio tasks, each with its
own engine (``desk_workers``). The block between the ``bench-desk`` markers of
docs/benchmarks.md is rewritten.

    .venv/bin/python -m benchmarks.desk [--operators 10 25 50] [--seconds 45]
        [--writers 1 2 4 8 16 32] [--sqlite-seconds 15] [--workers 2] [--no-write]
        [--only postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from benchmarks.common import ORDERS, ensure_pg, ensure_sqlite, write_block
from benchmarks.desk_report import block
from benchmarks.desk_workers import Run, pg_copy, prepare, run_desk, sqlite_copy

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench-desk:begin (written by make bench-desk) -->", "<!-- bench-desk:end -->"
PERSON, WRITERS_ONLY = "a person's pace", "writers only, no pauses"


async def pg_series(
    template: str,
    counts: list[int],
    seconds: float,
    workers: int,
    think: float = 1.0,
    copy_name: str = "orderview_desk",
) -> list[Run]:
    """One run per N, each on a fresh copy of ``template`` (a PostgreSQL URL)."""
    runs = []
    for n in counts:
        async with pg_copy(template, copy_name) as url:
            plan = await prepare(url, seconds, think, writers_only=False)
            runs.append(await run_desk(plan, n, workers))
            print(f"postgresql, {n} operators: done", flush=True)
    return runs


async def sqlite_series(
    source: Path,
    counts: list[int],
    seconds: float,
    workers: int,
    think: float,
    writers_only: bool,
) -> list[Run]:
    """One run per writer count, each on a fresh copy of the SQLite file ``source``."""
    runs = []
    for n in counts:
        with sqlite_copy(source) as path:
            plan = await prepare(path, seconds, think, writers_only)
            runs.append(await run_desk(plan, n, workers))
            print(f"sqlite, {n} writers ({'no pauses' if writers_only else 'paced'})", flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operators", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--sqlite-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="scale of the pauses")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    pg: list[Run] = []
    sqlite: list[tuple[str, list[Run]]] = []
    pg_data = sqlite_data = ""
    if args.only != "sqlite":
        template = ensure_pg()
        pg_data = (
            f"`orderview demo --orders {ORDERS}` in PostgreSQL, each N on a copy of "
            f"`{template.rsplit('/', 1)[1]}` ({args.seconds:.0f} s per N)"
        )
        pg = asyncio.run(
            pg_series(template, args.operators, args.seconds, args.workers, args.think)
        )
    if args.only != "postgresql":
        source = ensure_sqlite()
        sqlite_data = f"SQLite: each writer count on a copy of `{source.name}` ({args.sqlite_seconds:.0f} s each)"
        for mode, think, only in ((PERSON, args.think, False), (WRITERS_ONLY, 0.0, True)):
            runs = asyncio.run(
                sqlite_series(source, args.writers, args.sqlite_seconds, args.workers, think, only)
            )
            sqlite.append((mode, runs))
    text = block("make bench-desk", pg, pg_data, sqlite, sqlite_data)
    print(text)
    if not args.no_write:
        write_block(DOC, BEGIN, END, text, "## A busy desk")


if __name__ == "__main__":
    main()
