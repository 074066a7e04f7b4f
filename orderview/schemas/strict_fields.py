"""The strict scalar parsers of the issuing schemas: operator text (or a policy's Python value)
into a date, a whole number, a duration like ``30d``/``6m``/``1y``, a choice or a flag, refusing
anything approximate; and the named field types built from them (``schemas.entitlements``,
``license_edit`` and the bulk extension use them)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

DURATION_RE = re.compile(r"^[1-9][0-9]{0,3}[dmy]$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MIN_YEAR, MAX_YEAR = 2000, 2999


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _strict_date(value: Any) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and DATE_RE.match(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("no such date") from None
    else:
        raise ValueError("enter a date as YYYY-MM-DD")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def _strict_int(value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("enter a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("enter a whole number")


def _duration(value: Any) -> str | None:
    if _blank(value):
        return None
    text = str(value).strip().lower()
    if not DURATION_RE.match(text):
        raise ValueError("enter a number and d, m or y (e.g. 30d, 6m, 1y)")
    return text


def _choice(value: Any) -> Any:
    return None if _blank(value) else value


def _strict_bool(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError("must be yes or no")
    return value


_NOTE_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _note_text(value: str) -> str:
    """A note may span lines and hold tabs, but no other control character: NUL is refused by
    PostgreSQL, lone surrogates (from non-UTF-8 command-line bytes) by every encoder, and the
    rest would end up in exports and mails."""
    if _NOTE_REFUSED.search(value):
        raise ValueError("must not contain control characters")
    return value


StrictDate = Annotated[date | None, BeforeValidator(_strict_date)]
Duration = Annotated[str | None, BeforeValidator(_duration)]
Flag = Annotated[bool, BeforeValidator(_strict_bool)]


# Whole numbers in a range, or nothing (one alias per range: an annotation must be a type, not
# a call, for a type checker to read it).
Days = Annotated[Annotated[int, Field(ge=0, le=3650)] | None, BeforeValidator(_strict_int)]
Count1 = Annotated[Annotated[int, Field(ge=1, le=1_000_000)] | None, BeforeValidator(_strict_int)]
Count0 = Annotated[Annotated[int, Field(ge=0, le=1_000_000)] | None, BeforeValidator(_strict_int)]
TrialDays = Annotated[Annotated[int, Field(ge=1, le=3650)] | None, BeforeValidator(_strict_int)]
FloatingUsers = Annotated[
    Annotated[int, Field(ge=1, le=100_000)] | None, BeforeValidator(_strict_int)
]
Minutes = Annotated[Annotated[int, Field(ge=1, le=10_080)] | None, BeforeValidator(_strict_int)]
