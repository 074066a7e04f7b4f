"""How many terminal cells a character takes, as the terminal (not the app) decides.

The shadow screen must advance its cursor exactly as the real terminal does, so it uses
wcwidth, the table terminals and terminal emulators (pyte included) follow.

wcwidth is imported on the first character outside ``NARROW``: its package imports all its
tables and escape-sequence parsers at once (≈6–12 ms), and the app's own drawing (box
drawing, block elements, ``·``, ``—``, the stand-ins for control characters) and Latin text
are inside it, so a start that shows nothing else never pays for it (docs/benchmarks.md,
start-up).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Code point ranges [low, high) in which every character is one cell wide by wcwidth (not a
# combining mark, not wide): printable ASCII, Latin-1 and Latin Extended-A/B with the spacing
# modifiers, the dashes, quotes and bullets of General Punctuation, the control pictures
# ``orderview.safetext`` shows control characters as (␛, ␡, …), Box Drawing, Block Elements
# and Geometric Shapes up to U+25FC (U+25FD/U+25FE are wide), and U+FFFD. A test checks every
# one of them against wcwidth.
NARROW = (
    (0x20, 0x7F),
    (0xA0, 0x300),
    (0x2010, 0x2028),
    (0x2400, 0x2427),
    (0x2500, 0x25FD),
    (0xFFFD, 0xFFFE),
)


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """1 or 2 for printing characters, 0 for combining marks, -1 for anything else.

    Zero-width characters that are not combining marks (joiners, variation selectors) get -1:
    terminals disagree on them, so the shadow screen hands them to the terminal unmodelled.
    """
    code = ord(char)
    for low, high in NARROW:
        if low <= code < high:
            return 1
    return measured_width(char)


def measured_width(char: str) -> int:
    """``char_width`` by wcwidth itself, for every character."""
    from wcwidth import wcwidth

    width = wcwidth(char)
    if width == 0:
        return 0 if unicodedata.combining(char) else -1
    return width
