"""Destructive confirmations take only keys typed after they are on screen.

A confirmation is there so the operator reads what is about to go. The type-ahead router
(``widgets/type_ahead.py``) delivers keys typed ahead of a screen change to the new screen, so
``D``, the Order ID and enter typed in one burst (or a paste the terminal cut into keys) deleted
an order whose Delete dialog nobody had seen. A screen with ``FreshKeysOnly`` (Delete order,
every ``ConfirmScreen``: each new destructive confirmation gets it by being one of these) takes
no key or paste the terminal sent before the screen was first drawn: the router drops them and
the screen says how many in one line (``IgnoredKeys``). Everywhere else type-ahead stays.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Generic, TypeVar

from orderview.widgets.fmt import plural
from textual import events
from textual.content import Content
from textual.widgets import Static

ResultT = TypeVar("ResultT")

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen  # to mypy the mixin is the screen (of that result) it is mixed into
else:
    _ScreenBase = Generic  # as Screen itself is: the mixin adds nothing else to the MRO

# The clock Textual stamps events with (``Message.time``, set when the input thread parsed them).
CLOCK = time.perf_counter if sys.platform == "win32" else time.monotonic


class IgnoredKeys(Static):
    """The line that says keys typed before the dialog appeared were ignored (hidden until
    then)."""

    DEFAULT_CSS = """
    IgnoredKeys { height: auto; color: $text-warning; display: none; }
    IgnoredKeys.-shown { display: block; }
    """


class FreshKeysOnly(_ScreenBase[ResultT]):
    """For a ``Screen`` that confirms something that cannot be undone (see the module).
    Compose an ``IgnoredKeys`` in it for the line."""

    shown_at: float | None = None  # when it was first drawn (``CLOCK``)
    _ignored_keys = 0
    _ignored_pastes = 0

    def _on_mount(self, event: events.Mount) -> None:
        # The app calls ``drawn`` as it hands the first frame to the terminal
        # (``OrderviewApp.frame_shown``); in any other app, once the screen has been refreshed.
        self.call_after_refresh(self.drawn)

    def drawn(self) -> None:
        if self.shown_at is None:
            self.shown_at = CLOCK()

    def typed_before_shown(self, event: events.Key | events.Paste) -> bool:
        """Was ``event`` sent before this screen was on screen? Then it is dropped and
        counted (the router asks, for every key and paste it would give this screen)."""
        if self.shown_at is not None and event.time >= self.shown_at:
            return False
        if isinstance(event, events.Paste):
            self._ignored_pastes += 1
        else:
            self._ignored_keys += 1
        self._say_ignored()
        return True

    def _say_ignored(self) -> None:
        what = [
            plural(n, noun)
            for n, noun in ((self._ignored_keys, "key"), (self._ignored_pastes, "paste"))
            if n
        ]
        were = "was" if self._ignored_keys + self._ignored_pastes == 1 else "were"
        for line in self.query(IgnoredKeys):
            line.update(
                Content(
                    f"{' and '.join(what)} typed before this dialog appeared "
                    f"{were} ignored: type after reading it."
                )
            )
            line.add_class("-shown")
