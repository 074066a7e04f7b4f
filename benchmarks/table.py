"""The one table of ``make bench``: every figure beside its baseline from the same run, and the
block of docs/benchmarks.md a suite run (``make bench``, ``make bench-scale``) writes around it."""

from __future__ import annotations

from datetime import UTC, datetime

from benchmarks.common import Figure, machine

HEADER = (
    "| figure | orderview | baseline (same run) | baseline figure | ratio | target | met |\n"
    "|---|---|---|---|---|---|---|"
)


def _ratio(f: Figure) -> str:
    r = f.ratio
    return "—" if r is None else f"{r:.2f}×"


def _met(f: Figure) -> str:
    return {True: "yes", False: "**no**", None: "—"}[f.met]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(figures: list[Figure]) -> str:
    lines = [HEADER]
    for f in figures:
        lines.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in (
                    f.name,
                    f.shown,
                    f.baseline_name,
                    f.baseline_shown,
                    _ratio(f),
                    f.target,
                    _met(f),
                )
            )
            + " |"
        )
    return "\n".join(lines)


def plans_section(figures: list[Figure]) -> str:
    """Each distinct statement the searches sent, once per database, with its plan."""
    seen: dict[tuple[str, str], list[str]] = {}
    plans: dict[tuple[str, str], list[str]] = {}
    for f in figures:
        for item in f.extra.get("plans") or []:
            key = (str(f.extra.get("backend")), item["sql"])
            seen.setdefault(key, []).append(f.name.split(", ")[0].removeprefix("search by "))
            plans[key] = item["plan"]
    if not plans:
        return ""
    lines = [
        "Every statement `search_orders` sent during the benchmark (captured as it left "
        "for the driver), with the database's plan for it. No plan may scan a whole table "
        "(`SCAN orders|licenses|customers`, `Seq Scan`): the benchmark marks the figure "
        "missed if one does.",
        "",
    ]
    for (backend, sql), kinds in seen.items():
        lines += [
            f"**{backend}**, used by the searches by {', '.join(kinds)}:",
            "",
            "```sql",
            " ".join(sql.split()),
            "```",
            "",
            "```",
            *plans[(backend, sql)],
            "```",
            "",
        ]
    return "\n".join(lines)


def suite_block(
    figures: list[Figure],
    command: str,
    took: float,
    failed: list[str],
    about: list[str],
    plans_heading: str,
) -> str:
    """A suite run's block (between its markers): the command and the machine, ``about`` (lines
    on its data and how to read it), the table, what did not run, the figures' notes, and the
    searches' query plans under ``plans_heading`` when there are any."""
    m = machine()
    notes = [f"- {f.name}: {f.notes}" for f in figures if f.notes]
    parts = [
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {took / 60:.1f} min.  ",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['os']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, Textual {m['textual']}, SQLAlchemy {m['sqlalchemy']}.  ",
        *about,
        render(figures),
        "",
    ]
    if failed:
        parts += [f"**Did not run to the end:** {', '.join(failed)}.", ""]
    if notes:
        parts += ["Notes:", "", *notes, ""]
    plans = plans_section(figures)
    if plans:
        parts += [plans_heading, "", plans]
    return "\n".join(parts)
