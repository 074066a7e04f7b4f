"""The Textual application: thin. Screens live in ``screens/``, policy widgets in ``widgets/``.

Imported only lazily by the CLI, so the core never pulls in Textual. It imports only what the
first paint shows (the orders screen); every other screen, most services and the mail sender
are imported on first use. The command line hands it an open ``Database`` and validated
``Settings`` (``orderview.cli.app_cmd``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.screen import Screen
from textual.widgets import Input

from orderview.safetext import visible
from orderview.screens.orders import OrdersScreen
from orderview.widgets import fault_notice, theme_memory
from orderview.widgets import shadow_driver as app_driver
from orderview.widgets.fresh_keys import FreshKeysOnly
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_input import still_palette
from orderview.widgets.textual_internals import AppHooks
from orderview.widgets.type_ahead import SubmitHandled, TypeAhead

if TYPE_CHECKING:
    from orderview.db.engine import Database
    from orderview.mail.background import BackgroundSender
    from orderview.mail.outbox import DeliveryResult
    from orderview.settings import Settings

# Keys that act at once, never held behind keys typed ahead: they do not depend on which screen
# is current.
UNHELD_KEYS = frozenset({"ctrl+q", "ctrl+c", "ctrl+l"})


def stylesheet() -> str:
    """The one stylesheet, read from the installed package (not a checkout-relative path),
    through the package's loader: ``importlib.resources`` would cost the start-up a few ms of
    imports (zipfile) for the same bytes."""
    from orderview import styles

    path = str(Path(styles.__file__).parent / "app.tcss")
    # typeshed types a spec's loader as the bare Loader (or None); a package's reads files.
    loader = cast("_DataLoader", styles.__spec__.loader)
    return loader.get_data(path).decode("utf-8")


class _DataLoader(Protocol):
    """What an installed package's loader (importlib's ``FileLoader``) offers: its files."""

    def get_data(self, path: str) -> bytes: ...


def _open_order_provider() -> type[Provider]:
    """The palette's "Open order…" (imported when the palette first opens)."""
    from orderview.screens.open_order import OpenOrderProvider

    return OpenOrderProvider


def _screen_actions_provider() -> type[Provider]:
    """The palette's entries for every action of the current screen ("Export", "Edit")."""
    from orderview.screens.palette_actions import ScreenActionsProvider

    return ScreenActionsProvider


class OrderviewApp(AppHooks[None], App[None]):
    TITLE = "orderview"
    CSS = stylesheet()
    COMMANDS = App.COMMANDS | {_open_order_provider, _screen_actions_provider}
    # Priority, so they work inside modal dialogs too (a modal cuts the app's ordinary bindings
    # off); a text box that takes ``?`` as a character still gets it (Textual drops a priority
    # key the focused widget consumes).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", priority=True),
        # Shown when the focused text box takes ``?`` as a character (one key per action).
        Binding("f1", "help", "Help", key_display="F1", priority=True),
        Binding("ctrl+l", "redraw", "Redraw", show=False, priority=True),
    ]
    ascii_mode: bool  # plain ASCII drawing: set by ``widgets/shadow_driver.configure``

    def __init__(
        self,
        db: Database,
        settings: Settings,
        operator: str,
        open_store_id: str | None = None,
        *,
        open_license: int | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.operator = operator
        self.open_store_id = open_store_id
        self.open_license = open_license  # ``open --license``: its screen over its order
        self.crash: Exception | None = None  # a bug: re-raised and logged once the terminal is back
        self.config_file: os.PathLike[str] | None = None  # where the palette's theme is written
        # Keys typed ahead of a screen change go to the new screen (widgets/type_ahead.py).
        self.type_ahead = TypeAhead(self)
        # Delivers license manager invites while the app runs; made after the first frame
        # (``_start_mail_sender``), and not at all without SMTP or on a read-only database.
        self.mail_sender: BackgroundSender | None = None
        self.animation_level = "full" if settings.animations else "none"
        app_driver.configure(self)

    def _start_mail_sender(self) -> None:
        """Start the background sender, once the first frame is out: its imports (the outbox,
        aiosmtplib, the e-mail package, argon2: ≈15 ms) are not on the way to the first paint
        (docs/benchmarks.md, start-up). Without a mail server it would return at once
        (``BackgroundSender.run``), so it is not made at all; nor on a read-only database,
        where it could not record a delivery."""
        if self.mail_sender is not None or self.db.read_only is not None:
            return
        from orderview.mail import mail_configured

        if not mail_configured(self.settings):
            return
        from orderview.mail.background import BackgroundSender

        self.mail_sender = BackgroundSender(
            self.db, self.settings, self._mail_delivered, actor=self.operator
        )
        self.run_worker(
            self.mail_sender.run(), name="mail-sender", group="mail-sender", exit_on_error=False
        )

    def on_mount(self) -> None:
        theme_memory.start(self)
        self.push_screen(OrdersScreen())
        self.call_after_refresh(fault_notice.announce, self, self.db)  # on the orders screen
        self.call_after_refresh(self._start_mail_sender)
        if self.open_store_id is not None:
            self._open_store_id(self.open_store_id)

    def frame_shown(self, screen: Screen[Any]) -> None:
        """A destructive confirmation takes keys from its first frame on. Called from
        ``AppHooks`` (private API, ``widgets/textual_internals.py``) as a whole frame goes
        to the terminal."""
        if isinstance(screen, FreshKeysOnly) and screen.is_mounted:
            screen.drawn()  # from now on it takes keys (widgets/fresh_keys.py)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            StatusLine.clear_messages()  # a message says what just happened, until the next key
        if (
            isinstance(event, events.Key | events.Paste)
            and not event.is_forwarded
            and not (isinstance(event, events.Key) and event.key in UNHELD_KEYS)
            and self.type_ahead.wants(event)
        ):
            return
        await super().on_event(event)

    @on(SubmitHandled)
    def _submit_handled(self, message: SubmitHandled) -> None:
        self.type_ahead.submit_handled(message)

    async def _on_key(self, event: events.Key) -> None:
        """A key no widget handled, back at the app: typed for the screen now current if the
        one it was given to has gone (``TypeAhead.came_back``)."""
        if self.type_ahead.came_back(event):
            event.prevent_default()  # Textual calls ``App._on_key`` next unless prevented
            event.stop()

    @work(exclusive=True, group="open")
    async def _open_store_id(self, store_id: str) -> None:
        from orderview.services import orders
        from orderview.services.errors import NotFound

        try:
            detail = await orders.get_order_by_store_id(self.db, store_id)
        except NotFound as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return
        from orderview.screens.order import OrderScreen

        order = OrderScreen(detail.id, detail)
        self.push_screen(order)
        if self.open_license is not None:
            order.open_license(self.open_license, place_cursor=True)

    def _mail_delivered(self, results: list[DeliveryResult]) -> None:
        from orderview.screens.order_tabs.managers import refresh_after_delivery

        refresh_after_delivery(self, results)

    def open_order(self, order_id: int) -> None:
        """Open an order's screen over the current one (``esc`` comes back)."""
        from orderview.screens.order import OrderScreen

        self.push_screen(OrderScreen(order_id))

    def show_orders_search(self) -> None:
        """Back to the orders screen with the search box focused."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, OrdersScreen):
            self.pop_screen()
        if isinstance(self.screen, OrdersScreen):
            self.screen.action_focus_search()
            self.screen.query_one("#search", Input).select_all()  # typing starts a new search

    def exception_taken(self, error: Exception) -> bool:
        """A database fault is one line on screen; a bug ends the app, logged, no traceback."""
        if fault_notice.database_fault(self, error):
            return True
        self.crash = self.crash or error
        return False

    def action_redraw(self) -> None:
        """ctrl+l: repaint everything, for a terminal that got out of step."""
        app_driver.redraw(self)

    def action_help(self) -> None:
        """``?``/F1 on any screen or dialog: its keys (again on help closes it)."""
        from orderview.screens.help import HelpScreen, help_title, screen_keys

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(help_title(self.screen), screen_keys(self, self.screen)))

    def action_command_palette(self) -> None:
        """The stock palette, minus its blinking cursor (see conventions: slow links)."""
        # Textual types is_open's app as App[object] (App is invariant): any app is meant.
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]  # Textual: App[object], invariant
            palette = CommandPalette(id="--command-palette")
            self.push_screen(palette)
            palette.call_after_refresh(still_palette, palette)


__all__ = ["OrderviewApp", "stylesheet"]
