"""How many terminal cells a character takes, as the terminal (not the app) decides.

The shadow screen must advance its cursor exactly as the real terminal does, so it uses
wcwidth, the table terminals and terminal emulators (pyte included) follow.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from wcwidth import wcwidth


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """1 or 2 for printing characters, 0 for combining marks, -1 for anything else.

    Zero-width characters that are not combining marks (joiners, variation selectors) get -1:
    terminals disagree on them, so the shadow screen hands them to the terminal unmodelled.
    """
    width = wcwidth(char)
    if width == 0:
        return 0 if unicodedata.combining(char) else -1
    return width
