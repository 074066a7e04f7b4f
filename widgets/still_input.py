"""An Input whose cursor never blinks: a blinking cursor costs ~1.7 KB/s on an idle SSH link."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.widgets import Input

from orderview.safetext import has_unsafe

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    return "␡" if code == 0x7F else "\ufffd"


class StillInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    @property
    def _value(self) -> Text:
        """The value as drawn: Input writes control characters (a pasted or stored ESC) straight
        to the terminal, so each is drawn as one visible stand-in (same length: the cursor and
        selection still line up). ``value`` itself is untouched; validation refuses controls."""
        text = Input._value.fget(self)  # type: ignore[attr-defined]
        if self.password or not has_unsafe(self.value):
            return text
        return Text(_UNSAFE.sub(_stand_in, self.value), no_wrap=True, overflow="ignore", end="")
