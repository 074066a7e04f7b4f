"""The one door to Textual's private API: every private name of Textual the app relies on is
reached here, and nowhere else (``tests/test_textual_internals.py`` scans the code for others
and holds one canary per use, which names the function here when a Textual upgrade breaks it).
Textual is pinned exactly because of what is in this module.

Uses that cannot move here, each listed in that test's ``UNGATHERED`` with its canary:

- ``widgets/session_driver.py`` and ``widgets/shadow_driver.py`` subclass Textual's
  ``LinuxDriver`` and work on its private state (``_app``, ``_file``, ``_writer_thread``,
  ``_debug``, ``_get_terminal_size``): the driver has no public API for
  its input and writer threads, and rewriting its read loop is the whole point of those
  subclasses.

Not counted as private API: handlers named ``_on_<event>`` (``_on_key``, ``_on_paste``,
``_on_mount``). Textual's dispatch calls ``_on_<event>`` and ``on_<event>`` of every class
along the MRO alike; the underscore only keeps a class's handler apart from its subclasses'
(a canary checks the dispatch still works that way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual._xterm_parser import XTermParser

ReturnT = TypeVar("ReturnT")

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import RenderableType
    from rich.text import Text
    from textual import events
    from textual.app import App
    from textual.binding import BindingsMap
    from textual.content import Content
    from textual.dom import DOMNode
    from textual.driver import Driver
    from textual.message import Message
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.widget import Widget
    from textual.widgets import Checkbox, Input

    # Each hook below is mixed into the Textual class named here, before it in the bases; to
    # mypy it is that class, so its overrides and ``super()`` calls are checked against it.
    _AppBase = App
    _WidgetBase = Widget
    _InputBase = Input
    _CheckboxBase = Checkbox
else:
    _AppBase = Generic  # as App itself is: the hook adds nothing else to the app's MRO
    _WidgetBase = _InputBase = _CheckboxBase = object


class FramedParser(XTermParser):
    """Textual's key parser (``textual._xterm_parser``: no public parser turns terminal input
    into key events), fed only the input outside pastes (``widgets/session_driver.py``)."""

    def expire(self) -> Iterable[Message]:
        """End the escape sequence in progress now, as its timeout would: the input after it
        was taken out (a paste) or did not come within the escape delay. The parser keeps its
        deadline in the private ``_timeout_time``; ``tick`` only ends it once it has passed."""
        if self._timeout_time is not None:
            self._timeout_time = 0.0
        return self.tick()


class AppHooks(_AppBase[ReturnT]):
    """For the ``App``: the private points where the app learns that a frame went to the
    terminal and that a handler raised. Public Textual has neither: ``App._display`` is the
    one place a finished frame is handed to the driver (``call_after_refresh`` runs before
    the frame is written), and ``App._handle_exception`` is where every handler's exception
    ends (there is no public exception hook, and the exit renderables hold the traceback)."""

    def frame_shown(self, screen: Screen[Any]) -> None:
        """A whole frame of ``screen`` (not one inside a batch update) was sent."""

    def exception_taken(self, error: Exception) -> bool:
        """True when ``error`` was dealt with and must not end the app."""
        return False

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if renderable is not None and not self._batch_count:
            self.frame_shown(screen)

    def _handle_exception(self, error: Exception) -> None:
        if self.exception_taken(error):
            return
        super()._handle_exception(error)
        self._exit_renderables.clear()  # no traceback printed


class ForwardHook(_WidgetBase):
    """For a widget that must know how many events the app has handed it but it has not yet
    handled: ``_forward_event`` is where the app hands a key to the focused widget (no public
    message is sent at that moment, only when the widget gets round to it)."""

    def forwarded(self, event: events.Event) -> None:
        """The app has just queued ``event`` for this widget."""

    def _forward_event(self, event: events.Event) -> None:
        self.forwarded(event)
        super()._forward_event(event)


class DrawnValueHook(_InputBase):
    """For an ``Input``: what it draws is its private ``_value`` property (the public
    ``value`` is the text itself, which must stay untouched); ``value_as_drawn`` replaces it."""

    def value_as_drawn(self) -> Text:
        return input_rendered_value(self)

    @property
    def _value(self) -> Text:
        return self.value_as_drawn()


class BlankUntickedMark(_CheckboxBase):
    """For a ``Checkbox``: its mark is drawn by the private ``_button`` property from the class
    constant ``BUTTON_INNER``, always ``X``; there is no public way to draw it per state."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


def input_rendered_value(box: Input) -> Text:
    """The text ``Input`` itself would draw (its private ``_value``), cursor and selection
    styled: there is no public renderer for an Input's line."""
    from textual.widgets import Input

    return vars(Input)["_value"].fget(box)  # the property itself, not Input's value of it


async def run_key_handler(base: type[Widget], widget: Widget, event: events.Key) -> None:
    """Run ``base``'s own key handler on ``widget`` now (``TextArea`` inserts text in its
    private ``_on_key``, not through a binding or a public method)."""
    await base._on_key(widget, event)


def has_component_style(widget: Widget, name: str) -> bool:
    """Has ``widget`` got its component class ``name`` styled yet? A widget that was removed
    mid-frame has lost them, and ``get_component_styles`` then raises ``KeyError``; only the
    private ``_component_styles`` tells without raising."""
    return name in widget._component_styles


def forward_event(node: Widget, event: events.Event) -> None:
    """Hand a key or paste to ``node`` as the app hands it to the focused widget (the private
    ``_forward_event``): ``post_message`` would skip the app's key routing (the event would
    not bubble back up as a forwarded key does)."""
    node._forward_event(event)


def event_sender(event: Message) -> MessagePump | None:
    """Who sent ``event`` (the private ``_sender``: ``Message`` has ``set_sender`` but no public
    getter), so a copy of a key can be sent on as from the same sender."""
    return event._sender


def node_bindings(node: DOMNode) -> BindingsMap:
    """``node``'s own bindings (its ``BINDINGS`` merged with its bases'), the private
    ``_bindings``: the public ``Screen.active_bindings`` is the whole focus chain's, one binding
    per key, and leaves out keys a focused text box consumes, which are the ones asked for
    (a text box's own bindings run in order; help lists the screen's keys a box hides)."""
    return node._bindings


def modal_binding_chain(screen: Screen[Any]) -> list[tuple[DOMNode, BindingsMap]]:
    """The nodes from the focused widget up to the screen (or app, when the screen is not
    modal) with their bindings, in the order Textual tries them: the private
    ``_modal_binding_chain``, which ``active_bindings`` flattens into one dict per key."""
    return screen._modal_binding_chain


def app_driver(app: App[Any]) -> Driver | None:
    """The app's driver (the private ``_driver``: ``App`` has no public accessor)."""
    return app._driver


def render_full_frame(app: App[Any]) -> bool:
    """Send the current screen to the terminal whole, now (``App.refresh`` only repaints what
    changed): the compositor's full update handed to ``App._display``. False when this
    private API failed (a Textual upgrade changed it): the caller falls back to a refresh."""
    screen = app.screen
    try:
        update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    except Exception:
        return False
    app._display(screen, update)
    return True
