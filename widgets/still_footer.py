"""A footer that rebuilds itself only when the keys it shows change, and always fits its width.

Textual's ``Footer`` recomposes (new key widgets, CSS for each, a repaint) on every change of
the screen's bindings, which includes every focus move, though the keys shown mostly stay the
same. Opening an order moves focus several times: the rebuilt footers were a fifth of the time
to open it (docs/benchmarks.md), and each rebuild is bytes over a slow link.

Keys come nearest first (the focused widget's, its containers', the screen's, the app's). When
they do not all fit, the last ones give way and the help key stays, always last: help lists
every key of the screen.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

HELP_ACTIONS = frozenset({"help", "app.help"})
# A dialog (a modal screen) hides the app's bindings from its footer, help's too: every dialog
# lists these. ``?`` shows while the focused widget does not take it as text, ``F1`` otherwise
# (the footer shows one key per action, the first active one). The app's own priority bindings
# run them either way.
HELP_BINDINGS = [
    Binding("question_mark", "app.help", "Help"),
    Binding("f1", "app.help", "Help", key_display="F1"),
]
PALETTE_CELLS = 3  # the palette key's left border, right padding and a spare cell


def is_key(widget: Widget) -> bool:
    """A footer key (Textual's ``FooterKey``, which it does not export)."""
    return hasattr(widget, "key_display") and hasattr(widget, "action")


def key_cells(key: Any) -> int:
    """Columns a compact footer key takes: key, space, description, right margin."""
    described = 1 + cell_len(key.description) if key.description else 0
    return cell_len(key.key_display) + described + 1


def fit_keys(keys: list[Any], room: int) -> list[Any]:
    """The keys that fit ``room`` columns: the help key last and always, the others in order
    until one no longer fits."""
    helps = [k for k in keys if k.action in HELP_ACTIONS][:1]
    rest = [k for k in keys if k.action not in HELP_ACTIONS]
    room -= sum(key_cells(k) for k in helps)
    shown = []
    for key in rest:
        room -= key_cells(key)
        if room < 0:
            break
        shown.append(key)
    return shown + helps


class StillFooter(Footer):
    """Compact (one space between keys): at 80 columns the keys that fit, help always."""

    DEFAULT_CSS = """
    StillFooter { padding-left: 1; }
    /* compact gives every key a right margin, the docked palette key too: keys that overflow
       the footer would show through that last cell */
    StillFooter.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }
    """

    _shown: tuple[object, ...] | None = None
    _width = 0  # the width the keys were fitted to

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)

    def compose(self) -> ComposeResult:
        items: list[Widget] = list(super().compose())
        keys = [w for w in items if is_key(w) and not w.has_class("-command-palette")]
        others = [w for w in items if w not in keys]
        if not all(is_key(w) for w in others):
            yield from items  # binding groups (none in this app): Textual's own layout
            return
        self._width = width = self.size.width or self.app.size.width - 1
        room = width - sum(key_cells(k) + PALETTE_CELLS for k in others)
        yield from fit_keys(keys, room)
        yield from others

    def on_resize(self, event: events.Resize) -> None:
        if self.size.width != self._width and self.children:
            self.call_after_refresh(self.recompose)

    def _keys_shown(self) -> tuple[object, ...]:
        shown = (
            (
                binding.key,
                binding.key_display,
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return (*shown, self.show_command_palette, self.compact)

    def bindings_changed(self, screen: Screen) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)
