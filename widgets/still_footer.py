"""A footer that rebuilds itself only when the keys it shows change.

Textual's ``Footer`` recomposes (new key widgets, CSS for each, a repaint) on every change of
the screen's bindings, which includes every focus move, though the keys shown mostly stay the
same. Opening an order moves focus several times: the rebuilt footers were a fifth of the time
to open it (docs/benchmarks.md), and each rebuild is bytes over a slow link.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class StillFooter(Footer):
    """Compact (one space between keys): at 80 columns every key of a screen must fit."""

    DEFAULT_CSS = """
    StillFooter { padding-left: 1; }
    /* compact gives every key a right margin, the docked palette key too: keys that overflow
       the footer would show through that last cell */
    StillFooter.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }
    """

    _shown: tuple[object, ...] | None = None

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)

    def _keys_shown(self) -> tuple[object, ...]:
        return tuple(
            (binding.key, binding.key_display, binding.description, binding.action, enabled,
             tooltip, binding.group)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        ) + (self.show_command_palette, self.compact)

    def bindings_changed(self, screen: Screen) -> None:  # type: ignore[type-arg]
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)
