"""Printing data to a terminal safely: aligned tables and JSON with no raw control characters.

Values from the database are data: a customer named ``EVIL\\x1b[2J`` must not clear the
operator's terminal when a command prints it. Table cells go through ``safetext.visible``;
JSON escapes every control (and bidi control) character as ``\\uXXXX``, which stays valid JSON.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from orderview.safetext import visible

# json.dumps already escapes U+0000–U+001F; these it leaves raw with ensure_ascii=False.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


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
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    actual = [
        max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)
    ]
    target = out or sys.stdout
    print("  ".join(h.ljust(w) for h, w in zip(headers, actual, strict=True)).rstrip(),
          file=target)
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, actual, strict=True)).rstrip(), file=target)
