"""The one way untrusted text reaches the screen: controls made visible, never markup.

``visible()`` is pure Python (the core stays free of Textual); ``widgets.literal.literal()``
wraps its result in a Textual ``Content``, which is never parsed as markup. Widgets and screens
use only these.
"""

from __future__ import annotations

import re

# C0 controls (including TAB, LF, CR, ESC), DEL, C1 controls, and the bidi embedding/override/
# isolate controls that can reorder what an operator reads.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ASCII mode (``orderview.terminal.ascii``): stand-ins and the ellipsis in plain ASCII.
_ascii = False


def use_ascii(on: bool) -> None:
    """Stand-ins as ``\x1b`` instead of ``␛`` (for terminals whose locale is not UTF-8)."""
    global _ascii
    _ascii = on


def ellipsis() -> str:
    return "~" if _ascii else "…"


def _stand_in(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if _ascii and code <= 0x9F:
        return f"\\x{code:02x}"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (control pictures), e.g. ESC -> ␛
    if code == 0x7F:
        return "␡"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def visible(value: object, max_length: int | None = None) -> str:
    """Text with every control character replaced by a visible stand-in.

    ``max_length`` truncates (with an ellipsis) so one huge value cannot blow up a layout.
    """
    text = "" if value is None else str(value)
    if max_length is not None and len(text) > max_length:
        text = text[: max(max_length - 1, 0)] + ellipsis()
    return _UNSAFE.sub(_stand_in, text)


def has_unsafe(value: str) -> bool:
    return _UNSAFE.search(value) is not None


# Lone surrogates: what non-UTF-8 command-line or environment bytes become in Python.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def without_surrogates(value: str) -> str:
    """``value`` with each lone surrogate as U+FFFD, the way a terminal shows a bad byte."""
    return _SURROGATE.sub("\ufffd", value)


UNSAFE_MESSAGE = "must not contain control characters, bidi controls or bytes that are not UTF-8"


def unsafe_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name or a setting: a control or bidi character, or a lone
    surrogate (what non-UTF-8 command-line or environment bytes become; nothing can store or
    send one). None when it is fine."""
    if has_unsafe(value) or has_surrogate(value):
        return UNSAFE_MESSAGE
    return None
