"""An Input whose cursor never blinks: a blinking cursor costs ~1.7 KB/s on an idle SSH link."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual import events
from textual.command import CommandInput
from textual.widgets import Input

from orderview.safetext import has_unsafe

FOCUS_MOVES = frozenset({"focus_next", "focus_previous"})
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
        """Keys typed ahead over a slow link arrive in one burst, and the app hands every key of
        it to the widget focused when the key arrived, before any of them is handled. So:

        - Input inserts printable keys at once but lets its bound keys (backspace, ctrl+u,
          home, enter…) bubble to the app first, so ``ab<ctrl+u>H-01`` used to end as an empty
          box (textual#6605): our own bindings run here, in arrival order.
        - A focus key the screen or app binds (tab, shift+tab) used to bubble up and move
          focus after the rest of the burst was already typed into this box
          (``bob@example.com<tab>Bob`` gave the email ``bob@example.comBob``): the focus move
          runs here, before the next key is taken.
        - A key that reaches this box after focus left it goes on to the focused widget.
        - A key bound above this box to anything else (esc, ctrl+s) may close the dialog:
          the keys behind it wait until its binding has run, then go where it left focus
          (``widgets/type_ahead.py``), instead of being typed into a box that is closing."""
        if self.app.focused is not self or self._behind_binding():
            self._pass_on(event)
            return
        if event.is_printable:
            return  # Input._on_key inserts it
        for key in event.aliases:
            bindings = self._bindings.key_to_bindings.get(key)
            if bindings and not bindings[0].priority:
                # An action that does not apply (scrolling a one-line box raises SkipAction)
                # reports False: the key then goes on to the screen's bindings as before.
                if await self.app.run_action(bindings[0].action, self):
                    event.stop()
                    event.prevent_default()
                    return
                break
        # A focus move bound above this box (tab, shift+tab) runs now, as the app would run it
        # once the key bubbled up to it. Only focus moves: another action (esc going back a
        # step) may remove this box, which must not happen inside its own key handler.
        for node, bindings in self.screen._modal_binding_chain:
            for binding in bindings.key_to_bindings.get(event.key, ()):
                if binding.priority or binding.action.rpartition(".")[2] not in FOCUS_MOVES:
                    self._wait_for_binding(event)
                    return  # the key bubbles to this binding as before
                if await self.app.run_action(binding.action, node):
                    event.stop()
                    event.prevent_default()
                    return

    _awaiting: events.Key | None = None  # a key of ours on its way to a binding above

    def _wait_for_binding(self, event: events.Key) -> None:
        router = getattr(self.app, "type_ahead", None)
        if router is not None:
            self._awaiting = event
            router.await_key(event)

    def _behind_binding(self) -> bool:
        """Is a key this box let through still on its way to its binding?"""
        if self._awaiting is None:
            return False
        if self.app.type_ahead.awaiting(self._awaiting):  # type: ignore[attr-defined]
            return True
        self._awaiting = None
        return False

    def _on_paste(self, event: events.Paste) -> None:
        """A paste typed ahead after a focus key (``<tab><paste>`` in one burst) reached this
        box before the tab moved focus on: it goes to the box the tab focused, as typed keys
        do. Otherwise ``Input._on_paste`` inserts it here."""
        if self.app.focused is not self or self._behind_binding():
            event.stop()
            event.prevent_default()
            pass_on(self, event)

    def _pass_on(self, event: events.Key) -> None:
        """Send a key that arrived after focus moved to where the app would send it now (the
        app already ran its priority bindings for it on arrival). Keys left in this box's queue
        are passed on one by one, so they reach the new widget in the order typed."""
        event.stop()
        event.prevent_default()
        pass_on(self, event)

    @property
    def _value(self) -> Text:
        return drawn_value(self)


def pass_on(box: Input, event: events.Key | events.Paste) -> None:
    """Hand a key or paste this box must not take to where the app would send it now: through
    the app's type-ahead router (held if the screen it is for is not ready yet), or straight to
    the focused widget in an app without one."""
    router = getattr(box.app, "type_ahead", None)
    if router is not None:
        router.pass_on(event)
        return
    replay = (events.Key(event.key, event.character) if isinstance(event, events.Key)
              else events.Paste(event.text))
    replay.set_sender(box.app)
    (box.app.focused or box.app.screen)._forward_event(replay)


def drawn_value(box: Input) -> Text:
    """The value as drawn: Input writes control characters (a pasted or stored ESC) straight
    to the terminal, so each is drawn as one visible stand-in (same length: the cursor and
    selection still line up). ``value`` itself is untouched; validation refuses controls."""
    text = Input._value.fget(box)  # type: ignore[attr-defined]
    if box.password or not has_unsafe(box.value):
        return text
    return Text(_UNSAFE.sub(_stand_in, box.value), no_wrap=True, overflow="ignore", end="")


class VisibleCommandInput(CommandInput):
    """The command palette's text box, drawing controls as stand-ins like ``StillInput`` (a
    pasted ``EVIL\x1b[2J…`` cleared the operator's terminal). The stock palette builds its
    own box, so the app swaps this class in when the palette opens."""

    @property
    def _value(self) -> Text:
        return drawn_value(self)
