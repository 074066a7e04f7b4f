"""Printing data to a terminal safely: aligned tables and JSON with no raw control characters.

Values from the database are data: a customer named ``EVIL\\x1b[2J`` must not clear the
operator's terminal when a command prints it. Table cells go through ``safetext.visible``;
JSON escapes every character of ``safetext.UNSAFE`` (controls, bidi, separators, tags, invisible
format characters) as ``\\uXXXX``, which stays valid JSON and reads back as the stored value.
Every command prints JSON through ``print_json``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from orderview.safetext import UNSAFE, visible


def _escape(match: re.Match[str]) -> str:
    """``\\uXXXX``, as a surrogate pair above U+FFFF (tag characters), as JSON spells it.
    A line feed here is the layout's (``json.dumps`` already escaped every C0 in a string)."""
    code = ord(match.group())
    if code == 0x0A:
        return "\n"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601; datetimes are stored UTC, so they carry +00:00."""
    return value.isoformat() if value is not None else None


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(document: Any) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False, default=_default)
    return UNSAFE.sub(_escape, text)


def print_json(document: Any, out: TextIO | None = None) -> None:
    print(dumps(document), file=out or sys.stdout)


def cell(value: object, width: int) -> str:
    """One table cell: controls made visible, truncated to ``width`` with an ellipsis."""
    if isinstance(value, datetime):
        value = f"{value:%Y-%m-%d %H:%M}"
    return visible(value, width)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[int],
    out: TextIO | None = None,
) -> None:
    """Left-aligned columns, each no wider than its ``widths`` entry (or its header)."""
    cells = [[cell(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    actual = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    target = out or sys.stdout
    print("  ".join(h.ljust(w) for h, w in zip(headers, actual, strict=True)).rstrip(), file=target)
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, actual, strict=True)).rstrip(), file=target)
