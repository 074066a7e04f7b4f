"""``make bench``: every benchmark on the cached 100,000-order database, one table, written to
docs/benchmarks.md with the command, the machine and the date.

    .venv/bin/python -m benchmarks.run_all [--quick] [--no-write] [--only NAME ...]

The databases are generated once (SQLite under ~/.cache/orderview-bench, PostgreSQL in its own
``orderview_bench`` database; see benchmarks/common.py) and reused. Each benchmark runs in its
own process and reports its figures as JSON lines; a benchmark that fails is reported and the
others still run (the exit status says so). Only the block between the markers in
docs/benchmarks.md is rewritten; the rest of the file is prose that stays.
The bandwidth benchmark (its own table in docs/bandwidth.md, on its own small database) runs
last, shortened, and prints its table without rewriting that file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import CACHE, Figure, ensure_pg, ensure_sqlite, write_block
from benchmarks.table import render, suite_block

SUITE = (
    "startup",
    "open_order",
    "search",
    "license_filter",
    "cli",
    "issue_licenses",
    "export_large",
    "demo_scale",
)
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin (written by make bench) -->", "<!-- bench:end -->"


def run(name: str, extra: list[str]) -> tuple[list[Figure], float, str | None]:
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--json", *extra],
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - began
    figures = [
        Figure(**json.loads(line[len("FIGURE ") :]))
        for line in proc.stdout.splitlines()
        if line.startswith("FIGURE ")
    ]
    error = None
    if proc.returncode != 0:
        error = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return figures, took, error


def run_reported(label: str, module: str, extra: list[str], failed: list[str]) -> list[Figure]:
    """``run`` with its outcome on stderr; a failure is added to ``failed`` as "label (error)"."""
    found, took, error = run(module, extra)
    print(
        f"  {len(found)} figures in {took:.0f} s" + (f"; FAILED: {error}" if error else ""),
        file=sys.stderr,
        flush=True,
    )
    if error:
        failed.append(f"{label} ({error})")
    return found


def block(figures: list[Figure], command: str, took: float, failed: list[str]) -> str:
    about = [
        f"Data: `orderview demo --orders 100000` (seed 2026), cached in `{CACHE}` and in "
        "PostgreSQL database `orderview_bench`.",
        "",
        "Each figure is the median of several runs (range and count in brackets), beside its "
        "baseline measured in the same run; ratio = orderview ÷ baseline (for rows/s, "
        "baseline ÷ orderview), so below 1× would be faster than the baseline.",
        "",
    ]
    return suite_block(figures, command, took, failed, about, "### Query plans of the searches")


def write_doc(text: str) -> None:
    """Only the block between the markers is rewritten; the first time it goes below the title."""
    if not DOC.exists():
        DOC.write_text("# Benchmarks\n\n", encoding="utf-8")
    write_block(DOC, BEGIN, END, text, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--only", nargs="+", choices=SUITE, help="a subset of the suite")
    parser.add_argument("--no-bandwidth", action="store_true", help="skip benchmarks.bandwidth")
    args = parser.parse_args()
    began = time.perf_counter()
    ensure_sqlite()  # generated once, before any clock starts
    ensure_pg()
    extra = ["--quick"] if args.quick else []
    figures: list[Figure] = []
    failed = []
    for name in args.only or SUITE:
        print(f"… benchmarks.{name}", file=sys.stderr, flush=True)
        figures += run_reported(f"benchmarks.{name}", name, extra, failed)
    took = time.perf_counter() - began
    command = "make bench" + (" (--quick)" if args.quick else "")
    print(render(figures))
    if not args.no_write and not args.only:
        write_doc(block(figures, command, took, failed))
        print(f"\nwritten to {DOC}", file=sys.stderr)
    if not args.no_bandwidth and not args.only:
        # A short version (256 colours, 2 s idle windows): the full one takes minutes and is
        # `make bench-bandwidth`, which also rewrites docs/bandwidth.md.
        print(
            "\n… benchmarks.bandwidth --colors 256 --idle 2 (full: make bench-bandwidth)",
            flush=True,
        )
        bandwidth = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bandwidth",
                "--no-write",
                "--colors",
                "256",
                "--idle",
                "2",
            ]
        )
        if bandwidth.returncode != 0:
            failed.append("benchmarks.bandwidth")
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
