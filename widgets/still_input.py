"""An Input whose cursor never blinks (a blinking cursor costs ~1.7 KB/s on an idle SSH link),
and ``KeysInOrder``: text boxes take keys typed ahead in the order typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orderview.widgets.app_services import services_of
from orderview.widgets.textual_internals import (
    DrawnValueHook,
    forward_event,
    input_rendered_value,
    modal_binding_chain,
    node_bindings,
)
from rich.text import Text
from textual import events
from textual.command import CommandInput
from textual.widgets import Input

from orderview.safetext import has_unsafe, visible_in_box

if TYPE_CHECKING:
    from textual.command import CommandPalette
    from textual.widget import Widget

    _TextBoxBase = Widget  # to mypy the mixin is the widget it is mixed into
else:
    _TextBoxBase = object

FOCUS_MOVES = frozenset({"focus_next", "focus_previous"})


class KeysInOrder(_TextBoxBase):
    """For text boxes: keys typed ahead over a slow link arrive in one burst, and the app hands
    every key of it to the widget focused when the key arrived, before any of them is handled.
    So (``_take_in_order``):

    - a text box inserts printable keys at once but lets its bound keys (backspace, ctrl+u,
      home, enter…) bubble to the app first, so ``ab<ctrl+u>H-01`` used to end as an empty
      box (textual#6605): the box's own bindings run here, in arrival order;
    - a focus key the screen or app binds (tab, shift+tab) used to bubble up and move focus
      after the rest of the burst was already typed into this box
      (``bob@example.com<tab>Bob`` gave the email ``bob@example.comBob``): the focus move runs
      here, before the next key is taken;
    - a key that reaches this box after focus left it goes on to where the app would send it
      now (``pass_on``);
    - a key bound above this box to anything else (esc, ctrl+s) may close the dialog, and
      enter moves on from a handler above it: the keys behind such a key wait until it has
      been dealt with, then go where it left focus (``widgets/type_ahead.py``), instead of
      being typed into a box that is closing or being left.
    """

    _awaiting: object | None = None  # a key (or SubmitHandled) of ours on its way up

    async def _take_in_order(self, event: events.Key) -> bool:
        """True when the key was dealt with here and must go no further."""
        box: Any = self
        if box.app.focused is not box or self._behind_binding():
            self._pass_on(event)
            return True
        if event.is_printable:
            return False  # the box's own key handler inserts it
        for key in event.aliases:
            bindings = node_bindings(box).key_to_bindings.get(key)
            if bindings and not bindings[0].priority:
                # An action that does not apply (scrolling a one-line box raises SkipAction)
                # reports False: the key then goes on to the screen's bindings as before.
                if await box.app.run_action(bindings[0].action, box):
                    event.stop()
                    event.prevent_default()
                    if bindings[0].action == "submit":
                        self._wait_for_submit()
                    return True
                break
        # A focus move bound above this box (tab, shift+tab) runs now, as the app would run it
        # once the key bubbled up to it. Only focus moves: another action (esc going back a
        # step) may remove this box, which must not happen inside its own key handler.
        for node, node_map in modal_binding_chain(box.screen):
            for binding in node_map.key_to_bindings.get(event.key, ()):
                if binding.priority or binding.action.rpartition(".")[2] not in FOCUS_MOVES:
                    self._wait_for_binding(event)
                    return False  # the key bubbles to this binding as before
                if await box.app.run_action(binding.action, node):
                    event.stop()
                    event.prevent_default()
                    return True
        return False

    def _paste_in_order(self, event: events.Paste) -> None:
        """A paste is text (the terminal's input thread keeps it whole: ``session_driver``).
        One typed ahead after a focus key (``<tab><paste>`` in one burst) reached this box
        before the tab moved focus on: it goes to the box the tab focused, as typed keys do.
        Otherwise the box's own paste handler inserts it here (``Input`` its first line,
        ``TextArea`` all of it), controls drawn as stand-ins. Each box calls this from its own
        ``_on_paste``, run before its base's: ``Input``'s is a function, ``TextArea``'s a
        coroutine, and a mixin's one handler cannot be typed as both."""
        if self.app.focused is not self or self._behind_binding():
            self._pass_on(event)

    def _wait_for_binding(self, event: events.Key) -> None:
        router = getattr(self.app, "type_ahead", None)
        if router is not None:
            self._awaiting = event
            router.await_key(event)

    def _wait_for_submit(self) -> None:
        """enter posted ``Submitted`` (or ``FieldSubmitted``); what it does (next field, next
        step, open, save) runs in a handler above this box, after the keys behind enter were
        already handed to it: they wait until a ``SubmitHandled`` posted behind it is back at
        the app."""
        box: Any = self
        router = getattr(box.app, "type_ahead", None)
        if router is not None:
            from orderview.widgets.type_ahead import SubmitHandled

            marker = SubmitHandled()
            self._awaiting = marker
            router.await_key(marker)
            box.post_message(marker)

    def on_unmount(self) -> None:
        """Removed while keys wait behind one of its keys (a dialog closed): let them go."""
        if self._awaiting is not None:
            services_of(self.app).type_ahead.arrived(self._awaiting)
            self._awaiting = None

    def _behind_binding(self) -> bool:
        """Is a key this box let through still on its way to its binding?"""
        if self._awaiting is None:
            return False
        if services_of(self.app).type_ahead.awaiting(self._awaiting):
            return True
        self._awaiting = None
        return False

    def _pass_on(self, event: events.Key | events.Paste) -> None:
        """Send a key (or paste) that arrived after focus moved to where the app would send it
        now (the app already ran its priority bindings for it on arrival). Keys left in this
        box's queue are passed on one by one, so they reach the new widget in the order
        typed."""
        event.stop()
        event.prevent_default()
        pass_on(self, event)


class StillInput(KeysInOrder, DrawnValueHook, Input):
    """An Input whose cursor never blinks and that takes keys typed ahead in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        await self._take_in_order(event)  # Input._on_key runs next unless it was dealt with

    def _on_paste(self, event: events.Paste) -> None:
        self._paste_in_order(event)  # Input._on_paste runs next unless it was passed on

    def value_as_drawn(self) -> Text:
        return drawn_value(self)


def pass_on(box: Widget, event: events.Key | events.Paste) -> None:
    """Hand a key or paste this box must not take to where the app would send it now: through
    the app's type-ahead router (held if the screen it is for is not ready yet), or straight to
    the focused widget in an app without one."""
    router = getattr(box.app, "type_ahead", None)
    if router is not None:
        router.pass_on(event)
        return
    replay = (
        events.Key(event.key, event.character)
        if isinstance(event, events.Key)
        else events.Paste(event.text)
    )
    replay.set_sender(box.app)
    replay.time = event.time
    forward_event(box.app.focused or box.app.screen, replay)


def drawn_value(box: Input) -> Text:
    """The value as drawn: Input writes control characters (a pasted or stored ESC) straight
    to the terminal, so each is drawn as one visible stand-in (same length: the cursor and
    selection still line up). ``value`` itself is untouched; validation refuses controls."""
    text = input_rendered_value(box)
    if box.password or not has_unsafe(box.value):
        return text
    return Text(visible_in_box(box.value), no_wrap=True, overflow="ignore", end="")


class VisibleCommandInput(DrawnValueHook, CommandInput):
    """The command palette's text box, drawing controls as stand-ins like ``StillInput`` (a
    pasted ``EVIL\x1b[2J…`` cleared the operator's terminal). The stock palette builds its
    own box, so the app swaps this class in when the palette opens."""

    def value_as_drawn(self) -> Text:
        return drawn_value(self)


def still_palette(palette: CommandPalette) -> None:
    """The stock command palette's text boxes made still (no blinking cursor) and visible
    (``VisibleCommandInput``); the app calls it once the palette has mounted them."""
    for field in palette.query(Input):
        field.cursor_blink = False
        if type(field) is CommandInput:  # controls pasted into it drawn as stand-ins
            field.__class__ = VisibleCommandInput
