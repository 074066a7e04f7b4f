"""The tables of ``make bench-desk``: per number of operators, p50 / p95 of every action,
throughput, conflicts shown against lost updates, errors and connections; for SQLite, where
writers start to wait past the busy timeout."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime

from benchmarks.common import machine, percentile
from benchmarks.desk_operator import ACTIONS, READS, WRITES
from benchmarks.desk_workers import Run
from orderview.db.engine import SQLITE_BUSY_TIMEOUT_MS

READ_P95_MS = 100.0  # issue 22: every read action at 50 operators
TARGET_OPERATORS = 50


def ms(values: list[float], p: float) -> float:
    return percentile(values, p) * 1000 if values else float("nan")


def cell(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{ms(values, 50):.1f} / {ms(values, 95):.1f} ({len(values)})"


def cores(run: Run) -> str:
    keys = (
        ("workers", "postgresql", "machine") if "postgresql" in run.cpu else ("workers", "machine")
    )
    return " / ".join(f"{run.cpu.get(k, 0.0):.2f}" for k in keys)


def actions(run: Run) -> int:
    return sum(len(v) for v in run.tally.times.values())


def other_errors(run: Run) -> int:
    return len(run.tally.errors)


def worst_read_p95(run: Run) -> tuple[str, float]:
    return max(((a, ms(run.tally.times[a], 95)) for a in READS), key=lambda x: x[1])


def header(command: str, data: str, load: float) -> list[str]:
    return [
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.  ",
        "Machine: {cores} cores ({cpu}), {os}, Python {python}, SQLite {sqlite}, SQLAlchemy "
        "{sqlalchemy}; load average {load:.1f} when it started.  ".format(**machine(), load=load),
        f"Data: {data}.",
        "",
    ]


def pg_table(runs: list[Run]) -> list[str]:
    names = " | ".join(ACTIONS)
    lines = [
        "PostgreSQL: p50 / p95 in ms (calls) per action; conflicts are saves refused on a stale "
        "version and shown to the operator; lost updates from the audit trail "
        "(`benchmarks/desk_check.py`).",
        "",
        f"| operators | seconds | {names} | actions/s | conflicts shown | lost updates | "
        "errors | peak connections | CPU cores: workers / PostgreSQL / machine | load |",
        "|---|---|" + "---|" * len(ACTIONS) + "---|---|---|---|---|---|---|",
    ]
    for run in runs:
        cells = " | ".join(cell(run.tally.times[a]) for a in ACTIONS)
        lines.append(
            f"| {run.operators} | {run.seconds:.0f} | {cells} | "
            f"{actions(run) / run.seconds:.1f} | {run.tally.conflicts} | {run.check.lost} | "
            f"{other_errors(run)} | {run.peak_connections} | {cores(run)} | {run.load:.1f} |"
        )
    return lines + verdict(runs)


def verdict(runs: list[Run]) -> list[str]:
    lines = [""]
    at = [r for r in runs if r.operators == TARGET_OPERATORS]
    if at:
        action, worst = worst_read_p95(at[0])
        met = "met" if worst <= READ_P95_MS else "**missed**"
        lines.append(
            f"Target p95 ≤ {READ_P95_MS:.0f} ms for every read action ({', '.join(READS)}) at "
            f"{TARGET_OPERATORS} operators: worst is {action}, {worst:.1f} ms — {met}.  "
        )
    lost = sum(r.check.lost for r in runs)
    errors = sum(other_errors(r) for r in runs)
    lines.append(
        f"Lost updates: {lost} (must be 0); errors other than conflicts: {errors} (must be 0)."
    )
    lines.extend(problems(runs))
    return lines


def problems(runs: list[Run]) -> list[str]:
    lines: list[str] = []
    for run in runs:
        for problem in run.check.problems:
            lines.append(f"- {run.operators} operators, lost update: {problem}")
        for error, count in Counter(run.tally.errors).most_common(3):
            lines.append(f"- {run.operators} operators, error ×{count}: {error}")
    return ["", *lines] if lines else []


def sqlite_table(series: list[tuple[str, list[Run]]]) -> list[str]:
    lines = [
        f"SQLite (busy timeout {SQLITE_BUSY_TIMEOUT_MS / 1000:.0f} s): concurrent writers on "
        "one file. Writes in ms, p50 / p95 / max; *locked* counts saves and issues refused "
        'with "database is locked" (the busy timeout passed), *> timeout* writes that '
        "waited longer than it.",
        "",
        "| writers | loop | save edit | issue licenses | reads p95 (worst) | actions/s | "
        "conflicts shown | lost updates | locked | > timeout | other errors | "
        "CPU cores: workers / machine |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, runs in series:
        for run in runs:
            writes = [writes_cell(run.tally.times[a]) for a in WRITES]
            reads = [ms(run.tally.times[a], 95) for a in READS if run.tally.times[a]]
            worst = f"{max(reads):.1f}" if reads else "—"
            lines.append(
                f"| {run.operators} | {mode} | {writes[0]} | {writes[1]} | {worst} | "
                f"{actions(run) / run.seconds:.1f} | {run.tally.conflicts} | {run.check.lost} | "
                f"{run.tally.locked} | {run.tally.over_timeout} | "
                f"{other_errors(run) - run.tally.locked} | {cores(run)} |"
            )
    lines.append("")
    lines.append(f"**{turning_point(series)}**")
    lines.extend(problems([r for _, runs in series for r in runs]))
    return lines


def writes_cell(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{ms(values, 50):.0f} / {ms(values, 95):.0f} / {max(values) * 1000:.0f}"


def saturated(run: Run) -> bool:
    return run.tally.locked > 0 or run.tally.over_timeout > 0


def turning_point(series: list[tuple[str, list[Run]]]) -> str:
    """The first writer count of each series whose waits passed the busy timeout."""
    parts = []
    for mode, runs in series:
        first = next((r.operators for r in runs if saturated(r)), None)
        top = max((r.operators for r in runs), default=0)
        parts.append(
            f"{mode}: waits pass the busy timeout from {first} concurrent writers"
            if first is not None
            else f"{mode}: no wait passed the busy timeout up to {top} concurrent writers"
        )
    return "; ".join(parts) + "."


def block(
    command: str,
    pg: list[Run],
    pg_data: str,
    sqlite: list[tuple[str, list[Run]]],
    sqlite_data: str,
) -> str:
    loads = [r.load for r in pg] + [r.load for _, runs in sqlite for r in runs]
    lines = header(command, f"{pg_data}; {sqlite_data}", loads[0] if loads else os.getloadavg()[0])
    if pg:
        lines += [*pg_table(pg), ""]
    if sqlite:
        lines += sqlite_table(sqlite)
    return "\n".join(lines).rstrip()
