"""Display formats shared by every screen: times in UTC (and saying so), flags, empties."""

from __future__ import annotations

from datetime import UTC, date, datetime

EMPTY = "—"


def utc(value: datetime | None, seconds: bool = False) -> str:
    """``2026-01-15 09:30 UTC``; naive values are taken as UTC (that is how we store them)."""
    if value is None:
        return EMPTY
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else EMPTY


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def text_or_empty(value: object) -> str:
    """Show ``—`` for missing values so an empty field is visibly empty, not forgotten."""
    if value is None or value == "":
        return EMPTY
    return str(value)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
