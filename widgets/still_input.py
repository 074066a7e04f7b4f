"""An Input whose cursor never blinks: a blinking cursor costs ~1.7 KB/s on an idle SSH link."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class StillInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
