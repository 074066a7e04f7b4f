"""The demo's progress line: rows written, rate, time left.

On a terminal, one line rewritten in place (``\\r``) at most ``TTY_INTERVAL`` apart, so a slow
link (``orderview serve``, ssh) is not flooded; elsewhere (a log, a pipe) a plain line each time
another ~10 % of the licenses is written. The estimate of time left is from the licenses (known
in advance from the plan) at the rate so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

TTY_INTERVAL = 0.25  # seconds between repaints on a terminal
LOG_STEP = 0.1  # a plain line per this fraction of the licenses


@dataclass(frozen=True)
class Tally:
    rows: int  # rows written so far, every table
    licenses: int
    total_licenses: int
    orders: int
    total_orders: int
    seconds: float


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 60}:{seconds % 60:02d}"


def describe(t: Tally) -> str:
    rate = t.rows / t.seconds if t.seconds > 0 else 0.0
    if t.licenses and t.total_licenses:
        left = _duration(t.seconds * (t.total_licenses - t.licenses) / t.licenses)
    else:
        left = "–"
    return (
        f"{t.orders:,}/{t.total_orders:,} orders  {t.licenses:,}/{t.total_licenses:,} licenses  "
        f"{t.rows:,} rows  {rate:,.0f} rows/s  {_duration(t.seconds)} elapsed  {left} left"
    )


class ProgressLine:
    """Feed it tallies; it decides what reaches ``out``."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = out.isatty()
        self.clock = clock
        self.shown_at = -1e9
        self.next_fraction = LOG_STEP
        self.width = 0

    def __call__(self, t: Tally) -> None:
        done = t.licenses >= t.total_licenses and t.orders >= t.total_orders
        if self.tty:
            now = self.clock()
            if not done and now - self.shown_at < TTY_INTERVAL:
                return
            self.shown_at = now
            line = describe(t)
            pad = " " * max(0, self.width - len(line))
            self.width = len(line)
            self.out.write(f"\r{line}{pad}")
            self.out.flush()
            return
        fraction = t.licenses / t.total_licenses if t.total_licenses else 1.0
        if done or fraction >= self.next_fraction:
            while self.next_fraction <= fraction:
                self.next_fraction += LOG_STEP
            self.out.write(describe(t) + "\n")
            self.out.flush()

    def end(self) -> None:
        """Close the in-place line (before the summary)."""
        if self.tty and self.width:
            self.out.write("\n")
            self.out.flush()
            self.width = 0

    def note(self, text: str) -> None:
        """A phase message on a line of its own (ends the in-place line first)."""
        if self.tty and self.width:
            self.out.write("\n")
            self.width = 0
        self.out.write(text + "\n")
        self.out.flush()
