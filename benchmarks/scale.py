"""``make bench-scale``: the suite at ten times ``make bench``'s size — ``orderview demo --orders
1000000`` (≈10M licenses) on SQLite and PostgreSQL — against the targets of issue 22, written
to its own block of docs/benchmarks.md.

    .venv/bin/python -m benchmarks.scale [--orders 1000000] [--quick] [--no-write] [--only NAME ...]

Not part of ``make test`` or ``make bench``. The large databases are generated once and cached
beside ``make bench``'s (``benchmarks.common``: SQLite ``demo-1000000.db`` in the bench cache,
PostgreSQL database ``orderview_bench_1000000``, each marked with its seed and brought to the
current schema revision by the app's migrations), before any clock starts. Every figure comes
from the suite's own modules run with a larger ``--orders`` (each in its own process, its
figure beside a baseline timed in the same run, interleaved); this module only runs them,
holds them to the scale targets (which are not all ``make bench``'s) and writes the table.
The load average is sampled before each module: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.common import CACHE, Figure, ensure_pg, ensure_sqlite, pg_url, write_block
from benchmarks.run_all import DOC, run_reported
from benchmarks.table import render, suite_block

ORDERS = 1_000_000
BEGIN, END = "<!-- bench-scale:begin (written by make bench-scale) -->", "<!-- bench-scale:end -->"
PG = ("--backend", "postgresql")


@dataclass(frozen=True)
class Step:
    name: str  # a short name for --only
    module: str
    args: tuple[str, ...] = ()


STEPS = (  # run counts a little below make bench's: each run reads a 500,000-license order
    Step("search", "search"),
    Step("open_order", "open_order", ("--runs", "4")),
    Step("open_order_pg", "open_order", ("--runs", "4", *PG)),
    Step("filter", "license_filter", ("--largest", "--runs", "20")),
    Step("filter_pg", "license_filter", ("--largest", "--runs", "20", *PG)),
    Step("startup", "startup", ("--runs", "5")),
    Step("startup_pg", "startup", ("--runs", "5", *PG)),
    Step("export", "export_scale"),
    Step("export_pg", "export_scale", PG),
    Step("issue", "issue_scale", ("--runs", "4")),
    Step("issue_pg", "issue_scale", ("--runs", "4", *PG)),
)


def _ratio_within(limit: float) -> Callable[[Figure], bool]:
    return lambda f: f.baseline is not None and f.value <= limit * f.baseline


def _search_met(f: Figure) -> bool:
    """p95 ≤ 20 ms, p50 ≤ 3× the raw statement's, and no plan scans a whole table."""
    scans = any(p["full_scan"] for p in f.extra.get("plans") or [])
    p95 = float(f.extra.get("p95", f.value))
    return p95 <= 0.020 and _ratio_within(3)(f) and not scans


# The scale targets by the start of a figure's name, where they differ from the module's own.
RETARGET: tuple[tuple[str, str, Callable[[Figure], bool]], ...] = (
    ("search by", "p95 ≤ 20 ms; ≤ 3× raw (p50); no whole-table scan", _search_met),
    ("open the order", "≤ 0.2 s", lambda f: f.value <= 0.2),
    ("time to interactive", "≤ 1.5× baseline", _ratio_within(1.5)),
    ("… first paint", "≤ 1.5× baseline", _ratio_within(1.5)),
)


def retarget(figures: list[Figure]) -> None:
    for f in figures:
        for prefix, target, met in RETARGET:
            if f.name.startswith(prefix):
                f.target, f.met = target, met(f)


def block(
    figures: list[Figure], command: str, took: float, failed: list[str], loads: list[str]
) -> str:
    about = [
        f"Load average (1 min) before each module: {', '.join(loads)} — on 2 cores shared "
        "with other engineers' work.  ",
        f"Data: `orderview demo --orders {ORDERS}` (seed 2026), cached in `{CACHE}` and in "
        f"PostgreSQL database `{pg_url(ORDERS).rsplit('/', 1)[1]}`.",
        "",
        "Each figure is the median of several runs (range and count in brackets) unless it "
        "says p95, beside its baseline measured in the same run; ratio = orderview ÷ "
        "baseline (for rows/s, baseline ÷ orderview). The targets are issue 22's.",
        "",
    ]
    plans_heading = "### Query plans of the searches at 1,000,000 orders"
    return suite_block(figures, command, took, failed, about, plans_heading)


def write_doc(text: str) -> None:
    """Only the block between the markers is rewritten; the first time it goes at the end."""
    write_block(DOC, BEGIN, END, text, "## At ten million licenses (make bench-scale)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in STEPS])
    args = parser.parse_args()
    began = time.perf_counter()
    ensure_sqlite(args.orders)  # generated once (minutes), before any clock starts
    ensure_pg(args.orders)
    extra = ["--orders", str(args.orders), *(["--quick"] if args.quick else [])]
    figures: list[Figure] = []
    failed: list[str] = []
    loads: list[str] = []
    for step in STEPS:
        if args.only and step.name not in args.only:
            continue
        load = os.getloadavg()[0]
        loads.append(f"{load:.1f}")
        print(f"… {step.name} (load {load:.1f})", file=sys.stderr, flush=True)
        found = run_reported(step.name, step.module, [*extra, *step.args], failed)
        retarget(found)
        figures += found
    took = time.perf_counter() - began
    print(render(figures))
    if not args.no_write and not args.only and args.orders == ORDERS:
        command = "make bench-scale" + (" (--quick)" if args.quick else "")
        write_doc(block(figures, command, took, failed, loads))
        print(f"\nwritten to {DOC}", file=sys.stderr)
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
