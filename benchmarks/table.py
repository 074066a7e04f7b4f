"""The one table of ``make bench``: every figure beside its baseline from the same run."""

from __future__ import annotations

from benchmarks.common import Figure

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
