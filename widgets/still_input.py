"""An Input whose cursor never blinks: a blinking cursor costs ~1.7 KB/s on an idle SSH link."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual import events
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

    async def _on_key(self, event: events.Key) -> None:
        """Keys typed ahead over a slow link arrive in one burst. Input inserts printable keys
        at once but lets its bound keys (backspace, ctrl+u, home, enter…) bubble to the app
        first, so ``ab<ctrl+u>H-01`` used to end as an empty box (textual#6605). Running our
        own bindings here, in arrival order, keeps the burst in the order it was typed."""
        if event.is_printable:
            return  # Input._on_key inserts it
        for key in event.aliases:
            bindings = self._bindings.key_to_bindings.get(key)
            if bindings and not bindings[0].priority:
                # An action that does not apply (scrolling a one-line box raises SkipAction)
                # reports False: the key then bubbles on to the screen's bindings as before.
                if await self.app.run_action(bindings[0].action, self):
                    event.stop()
                    event.prevent_default()
                return

    @property
    def _value(self) -> Text:
        """The value as drawn: Input writes control characters (a pasted or stored ESC) straight
        to the terminal, so each is drawn as one visible stand-in (same length: the cursor and
        selection still line up). ``value`` itself is untouched; validation refuses controls."""
        text = Input._value.fget(self)  # type: ignore[attr-defined]
        if self.password or not has_unsafe(self.value):
            return text
        return Text(_UNSAFE.sub(_stand_in, self.value), no_wrap=True, overflow="ignore", end="")
