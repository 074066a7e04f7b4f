"""One argparse type for every counted option (``--limit``, ``--quantity``, ``--orders``,
``--licenses``): a whole number inside a stated range, refused by argparse with that range.

Plain ``type=int`` let ``--limit 99999999999999999999`` through to the driver (an
OverflowError traceback), and ``--quantity ""`` was read as "not given" (one license issued).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting a whole number from ``low`` to ``high`` (``_`` and ``,``
    as digit separators: ``10_000``, ``10,000``). Anything else, the empty text included, is
    refused with the allowed range."""
    allowed = f"a whole number from {low:,} to {high:,}"

    def parse(text: str) -> int:
        digits = text.strip().replace("_", "").replace(",", "")
        body = digits[1:] if digits[:1] in "+-" else digits
        if not body or not body.isascii() or not body.isdigit() or len(body) > 30:
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text[:40]!r}")
        value = int(digits)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text.strip()[:40]} is out of range: expected {allowed}"
            )
        return value

    parse.__name__ = "number"  # argparse names the type in some messages
    return parse
