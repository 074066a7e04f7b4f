"""Keys typed ahead of a screen change reach the new screen, in the order typed.

Over a slow link an operator types ``e`` and the new reference in one go, or an Order ID,
enter and ``2`` for the Customer tab: the keys arrive in one read, before the screen they are
meant for exists. Textual hands each key to the widget focused when the key arrives, so the
keys after the one that changes the screen went to the old screen (dropped, or typed into the
search box) or to the new screen before it had a focused widget (dropped).

The app routes keys through ``TypeAhead`` instead:

- a key or paste that arrives while the current screen is not ready (not mounted yet, nothing
  focused yet, or the screen says it is still loading: ``accepts_input``), or while earlier
  keys are held, is held;
- a key that the old screen did not handle and that comes back to the app after the screen
  changed (it bubbles up once every widget on its way passed it on) is held again for the
  new screen;
- a widget that knows its key is about to change the screen (enter in the orders search)
  pauses the router and hands it the keys it receives meanwhile;
- a dialog's save holds the keys typed behind ctrl+s until it has closed the dialog (they go
  to the screen below) or said why not (they go to the dialog): ``hold_for``;
- held keys go to the screen once it is ready, in the order typed; each screen is waited for
  once, and never longer than ``MAX_HOLD`` seconds, so nothing is held for good.
- except that a destructive confirmation (``FreshKeysOnly``) gets none of the keys typed
  before it was drawn: they are dropped, and it says so (``widgets/fresh_keys.py``).

Textual glue (the router is ``orderview/app.py``'s; dialogs that hold keys behind a save use
``holds_keys``); checks readiness with a short timer that runs only while keys are held
(nothing runs while idle).
"""

from __future__ import annotations

import functools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from orderview.widgets.fresh_keys import FreshKeysOnly
from orderview.widgets.textual_internals import event_sender, forward_event
from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.timer import Timer

MAX_HOLD = 2.0  # seconds a screen (or a pause) may keep typed keys waiting
POLL = 0.01  # seconds between readiness checks while keys are held
ORIGIN = "_type_ahead_context"  # attribute on a key: the screen (or step) it was given to


class SubmitHandled(Message):
    """Posted by a text box right behind its ``Submitted``: it bubbles the same way, so when it
    reaches the app every handler of the submit has run (``StillInput``)."""


def holds_keys(action: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """For the worker behind a ``hold_for``: whatever its outcome (done, refused, cancelled),
    the keys held behind it go on when it ends."""

    @functools.wraps(action)
    async def run(owner: Any) -> None:
        try:
            await action(owner)
        finally:
            owner.app.type_ahead.done_for(owner)

    return run


def input_context(screen: Screen) -> object:
    """What keys are typed for: the screen, or the part of it that a screen replaces without
    changing screens (the issue wizard's current step: ``input_context``)."""
    return getattr(screen, "input_context", None) or screen


class TypeAhead:
    """The app's key router for keys typed ahead of a screen change (see the module)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.held: deque[events.Key | events.Paste] = deque()
        self._settled: WeakSet[object] = WeakSet()  # contexts that have been ready
        self._pauses = 0
        self._since: float | None = None  # when the current wait began
        self._timer: Timer | None = None
        self._releasing = False
        self._awaited: list[object] = []  # see ``await_key``
        self._settling = False  # a key just ran a binding: the next wait a tick
        self._holders: WeakSet[object] = WeakSet()  # see ``hold_for``

    # -- readiness ---------------------------------------------------------------------

    def ready(self) -> bool:
        """May keys go to the current screen now? Once a screen has been ready (or waited
        for ``MAX_HOLD``), it is ready for good: a screen that has nothing to focus by
        design never holds keys twice."""
        if self._pauses:
            return False
        screen = self.app.screen
        context = input_context(screen)
        if context in self._settled:
            return True
        if not screen.is_mounted or not getattr(screen, "accepts_input", True):
            return False
        if screen.focused is None and screen.focus_chain:
            return False
        self._settled.add(context)
        return True

    # -- entry points --------------------------------------------------------------------

    def wants(self, event: events.Key | events.Paste) -> bool:
        """A fresh key or paste from the terminal: hold it (True) or let the app send it on
        now (False, after tagging it with the screen it goes to)."""
        if self.held or self._settling or not self.ready():
            self._hold(event)
            return True
        if self._typed_before_shown(event):
            return True
        setattr(event, ORIGIN, input_context(self.app.screen))
        return False

    def _typed_before_shown(self, event: events.Key | events.Paste) -> bool:
        """Is this a key or paste for a destructive confirmation that was sent before it was
        drawn? Then it is dropped (the screen counts it)."""
        screen = self.app.screen
        return isinstance(screen, FreshKeysOnly) and screen.typed_before_shown(event)

    def came_back(self, event: events.Key) -> bool:
        """A key that bubbled back to the app unhandled. If the screen it was given to is no
        longer current, it was typed for the new one: hold a copy for it (True). Otherwise the
        app runs its binding now (False); the binding may open a screen from a worker, which
        starts only after this handler, so the keys right behind it wait one tick (``POLL``)
        and are then sent again, to whichever screen is current by then."""
        self.arrived(event)
        origin = getattr(event, ORIGIN, None)
        if origin is None:
            return False
        if origin is not input_context(self.app.screen) or self._settling:
            self._hold(_copy(event))
            return True
        self._settling = True
        self._start_waiting()
        return False

    def pass_on(self, event: events.Key | events.Paste) -> None:
        """A key a widget received but must not handle (focus left it, or it paused the
        router): send it where it belongs now, behind any keys held."""
        copy = _copy(event)
        if not self.wants(copy):
            forward_event(self.app.focused or self.app.screen, copy)

    def await_key(self, event: object) -> None:
        """A widget let ``event`` bubble to a binding above it that may change the screen
        (esc, ctrl+s in a dialog), or posted a ``SubmitHandled`` behind its ``Submitted``
        (enter moves on from a handler above it): keys behind it are held until ``event``
        is back at the app (``arrived``)."""
        self._awaited.append(event)
        self.pause()

    def awaiting(self, event: object) -> bool:
        return any(item is event for item in self._awaited) and self.paused

    def arrived(self, event: object) -> None:
        """``event`` is back at the app (or will never be: its widget went away)."""
        for n, item in enumerate(self._awaited):
            if item is event:
                del self._awaited[n]
                self._pauses = max(self._pauses - 1, 0)
                self._start_waiting()  # the tick releases what was held behind it
                return

    def submit_handled(self, message: SubmitHandled) -> None:
        """Every handler of a submit has run; one that opens a screen or moves the focus from
        a worker does it a moment later, so the keys behind wait one tick more."""
        self.arrived(message)
        self._settling = True
        self._start_waiting()

    def hold_for(self, owner: object) -> None:
        """Keys typed from now on wait until ``done_for(owner)``: ``owner`` started an action
        whose outcome decides where they belong (a dialog's save closes it, and they are for
        the screen below, or says why not, and they are for the dialog). Called by the
        binding that starts the action, so no key behind it slips through; one hold per
        owner, bounded by ``MAX_HOLD`` like every pause."""
        if owner not in self._holders:
            self._holders.add(owner)
            self.pause()

    def done_for(self, owner: object) -> None:
        if owner in self._holders:
            self._holders.discard(owner)
            self.resume()

    @property
    def paused(self) -> bool:
        return self._pauses > 0

    def pause(self) -> None:
        """A screen change is under way (its outcome decides where the next keys go)."""
        self._pauses += 1
        self._start_waiting()

    def resume(self) -> None:
        self._pauses = max(self._pauses - 1, 0)
        self._tick()

    # -- holding and releasing --------------------------------------------------------------

    def _hold(self, event: events.Key | events.Paste) -> None:
        self.held.append(event)
        self._start_waiting()

    def _start_waiting(self) -> None:
        if self._since is None:
            self._since = time.monotonic()
        if self._timer is None:
            self._timer = self.app.set_interval(POLL, self._tick, name="type-ahead")

    def _tick(self) -> None:
        self._settling = False
        if not self.ready():
            if self._since is None or time.monotonic() - self._since < MAX_HOLD:
                return
            self._pauses = 0  # a screen that never got ready, or a pause never resumed
            self._awaited.clear()
            self._holders = WeakSet()
            self._settled.add(input_context(self.app.screen))
        if not self._releasing:
            self._releasing = True
            self.app.call_next(self._release)

    async def _release(self) -> None:
        """Send the held keys to the current screen, in order, while it stays ready. Keys
        that arrive meanwhile queue behind them (``wants`` holds while any are held)."""
        from textual.app import App

        try:
            while self.held and self.ready():
                event = self.held.popleft()
                if self._typed_before_shown(event):
                    continue
                setattr(event, ORIGIN, input_context(self.app.screen))
                # the app's own handling of a fresh key or paste (``App.on_event``, not the
                # app's override, so it is not held again): priority bindings, then the
                # focused widget
                await App.on_event(self.app, event)
        finally:
            self._releasing = False
        if not self.held and not self._pauses and not self._settling:
            self._since = None
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
        elif self.held:
            self._since = time.monotonic()  # the next screen gets its own wait


def _copy(event: events.Key | events.Paste) -> events.Key | events.Paste:
    """A fresh event for one that was already sent on (its handled/stopped flags set)."""
    copy: events.Key | events.Paste
    copy = (
        events.Key(event.key, event.character)
        if isinstance(event, events.Key)
        else events.Paste(event.text)
    )
    # Textual types set_sender's sender as MessagePump, yet a message's sender may be None (a
    # key the input thread made has none), and the copy must keep that too.
    copy.set_sender(event_sender(event))  # type: ignore[arg-type]  # Textual's set_sender omits None
    copy.time = event.time  # when it was typed (``FreshKeysOnly`` compares it)
    return copy
