"""One fixed-height status line whose updates are cheap on slow links.

``update(..., layout=False)`` repaints only this line instead of re-laying-out its parents
(20x fewer bytes measured), and bursts of updates are coalesced to a few repaints a second.
Text is always shown literally (it often quotes what the operator typed); a line longer than
the width ends with ``…``. A table may show its focused row's cut cells in full here
(``show_detail``) in place of the status, until the status changes or the cursor leaves them.

Two kinds of text: ``set_status`` is what the line says until told otherwise (a hint, a count);
``say`` is a message about what just happened ("Saved order …"), shown until the operator's
next key press (the app calls ``clear_messages``), when the line returns to its lasting text.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar
from weakref import WeakSet

from orderview.widgets.literal import literal
from textual.timer import Timer
from textual.widgets import Static

MIN_INTERVAL = 0.25  # seconds between repaints


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    _saying: ClassVar[WeakSet[StatusLine]] = WeakSet()  # lines showing a message

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(literal(text), **kwargs)
        self.text = text
        self.lasting = text  # what the line says once a message has gone
        self.detail: str | None = None  # shown in place of ``text`` (``show_detail``)
        self._shown = text
        self._pending: str | None = None
        self._last = 0.0
        self._timer: Timer | None = None

    def set_status(self, text: str) -> None:
        """Show ``text`` now, or at most a few times a second if updates come in a burst."""
        self.lasting = text
        StatusLine._saying.discard(self)
        self._set(text)

    def keep(self, text: str) -> None:
        """Change the lasting text; shown now unless a message is showing (then after it)."""
        if self in StatusLine._saying:
            self.lasting = text
        else:
            self.set_status(text)

    def say(self, text: str) -> None:
        """Show a message until the next key press (``clear_messages``)."""
        self._set(text)
        StatusLine._saying.add(self)

    @classmethod
    def clear_messages(cls) -> None:
        """A key was pressed: every message gives way to its line's lasting text."""
        for line in list(cls._saying):
            cls._saying.discard(line)
            if line.is_attached:
                line._set(line.lasting)

    def _set(self, text: str) -> None:
        self.text = text
        self.detail = None
        self._request(text)

    def show_detail(self, detail: str | None) -> None:
        """Show ``detail`` in place of the status (``None``: the status again)."""
        if detail != self.detail:
            self.detail = detail
            self._request(self.text if detail is None else detail)

    def _request(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last >= MIN_INTERVAL and self._timer is None:
            self._show(text)
            return
        self._pending = text
        if self._timer is None:
            delay = max(MIN_INTERVAL - (now - self._last), 0.0)
            self._timer = self.set_timer(delay, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if self._pending is not None:
            text, self._pending = self._pending, None
            self._show(text)

    def _show(self, text: str) -> None:
        if text == self._shown:
            return  # nothing to repaint
        self._shown = text
        self._last = time.monotonic()
        self.update(literal(text, max_length=500), layout=False)
