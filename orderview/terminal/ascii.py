"""ASCII mode: for terminals whose locale is not UTF-8 (``LANG=C``, old consoles, some
support-desk terminals), where box drawing, blocks and arrows arrive as mojibake.

``wanted()`` decides from the ``ascii`` setting (``--ascii``) or else the locale. ``to_ascii()``
is the last step before the terminal: every character above U+007F becomes plain ASCII of the
same width (box drawing becomes ``+ - |``, a checkbox's ``▐X▌`` becomes ``[X]``, ``…`` becomes
``~``, an accented letter its base letter, a wide character ``??``), so the cells the app and the
shadow screen counted stay where they were. Escape sequences are ASCII already.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from orderview.terminal.widths import char_width

# Glyphs the app and Textual draw, and their stand-ins (one cell each).
GLYPHS = {
    "…": "~",
    "·": ".",
    "•": "*",
    "—": "-",
    "–": "-",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "⏎": "<",
    "‹": "<",
    "›": ">",
    "«": "<",
    "»": ">",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "≈": "~",
    "×": "x",
    "∞": "*",
    "✓": "v",
    "✔": "v",
    "✗": "x",
    "✕": "x",
    "▶": ">",
    "◀": "<",
    "▲": "^",
    "▼": "v",
    "●": "*",
    "○": "o",
    "■": "#",
    "□": " ",
    # Block elements: the checkbox (``▐X▌``), Textual's tall/wide/thick borders, scroll bars.
    "▐": "[",
    "▌": "]",
    "█": "#",
    "▀": "-",
    "▔": "-",
    "▄": "_",
    "▁": "_",
    "▂": "_",
    "▃": "_",
    "▅": "#",
    "▆": "#",
    "▇": "#",
    "▉": "|",
    "▊": "|",
    "▋": "|",
    "▍": "|",
    "▎": "|",
    "▏": "|",
    "▕": "|",
    "░": ":",
    "▒": "#",
    "▓": "#",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def locale_is_utf8(environ: Mapping[str, str] | None = None) -> bool:
    """Is the terminal's character set UTF-8, as the locale variables say? The first of
    ``LC_ALL``, ``LC_CTYPE``, ``LANG`` that is set decides; none set (containers, CI, many SSH
    set-ups that send no locale) counts as UTF-8, what nearly every terminal speaks today."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return re.search(r"utf-?8", value, re.IGNORECASE) is not None
    return True


def wanted(setting: bool | None, environ: Mapping[str, str] | None = None) -> bool:
    """ASCII mode: the ``ascii`` setting when given, else when the locale is not UTF-8."""
    return setting if setting is not None else not locale_is_utf8(environ)


def _box(char: str, name: str) -> str:
    across = "HORIZONTAL" in name or (
        ("LEFT" in name or "RIGHT" in name) and "UP" not in name and "DOWN" not in name
    )
    down = "VERTICAL" in name or (
        ("UP" in name or "DOWN" in name) and "LEFT" not in name and "RIGHT" not in name
    )
    if across and not down:
        return "-"
    if down and not across:
        return "|"
    return "+"


@lru_cache(maxsize=4096)
def ascii_char(char: str) -> str:
    """Plain ASCII for one character, as many cells wide as the terminal would draw it."""
    if char in GLYPHS:
        return GLYPHS[char]
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        return _box(char, name)
    width = char_width(char)
    if width <= 0:
        return ""  # combining marks and joiners take no cell of their own
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char) if c.isascii() and c.isprintable()
    )
    if width == 1 and len(base) == 1:
        return base  # é -> e, ß has no one-letter form: ?
    return "?" * width


def _replace(match: re.Match[str]) -> str:
    return "".join(ascii_char(char) for char in match.group())


def to_ascii(text: str) -> str:
    """``text`` with every character above U+007F as same-width plain ASCII."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_replace, text)
