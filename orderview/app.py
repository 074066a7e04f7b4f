"""The Textual application: thin. Screens live in ``screens/``, policy widgets in ``widgets/``.

Imported only lazily by the CLI, so the core never pulls in Textual.
"""

from __future__ import annotations

from importlib.resources import files

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Input

from orderview.db import faults
from orderview.db.engine import Database
from orderview.mail.background import BackgroundSender
from orderview.safetext import visible
from orderview.services import orders
from orderview.services.errors import NotFound
from orderview.settings import Settings
from screens.help import HelpScreen, help_title, screen_keys
from screens.open_order import OpenOrderProvider
from screens.order import OrderScreen
from screens.order_tabs.managers import refresh_after_delivery
from screens.orders import OrdersScreen
from widgets import shadow_driver as app_driver


def stylesheet() -> str:
    """The one stylesheet, read from the installed package (not a checkout-relative path)."""
    return files("styles").joinpath("app.tcss").read_text(encoding="utf-8")


class OrderviewApp(App[None]):
    TITLE = "orderview"
    CSS = stylesheet()
    COMMANDS = App.COMMANDS | {OpenOrderProvider}
    # Priority, so they work inside modal dialogs too (a modal cuts the app's ordinary bindings
    # off); a text box that takes ``?`` as a character still gets it (Textual drops a priority
    # key the focused widget consumes).
    BINDINGS = [
        Binding("question_mark", "help", "Help", priority=True),
        Binding("f1", "help", "Help", show=False, priority=True),
        Binding("ctrl+l", "redraw", "Redraw", show=False, priority=True),
    ]

    def __init__(self, db: Database, settings: Settings, operator: str,
                 open_store_id: str | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.operator = operator
        self.open_store_id = open_store_id
        # Delivers license manager invites while the app runs (not at all without SMTP).
        self.mail_sender = BackgroundSender(db, settings, self._mail_delivered)
        self.animation_level = "full" if settings.animations else "none"
        app_driver.configure(self)

    def on_mount(self) -> None:
        self.push_screen(OrdersScreen())
        self.run_worker(self.mail_sender.run(), name="mail-sender", group="mail-sender",
                        exit_on_error=False)
        if self.open_store_id is not None:
            self._open_store_id(self.open_store_id)

    @work(exclusive=True, group="open")
    async def _open_store_id(self, store_id: str) -> None:
        try:
            detail = await orders.get_order_by_store_id(self.db, store_id)
        except NotFound as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return
        self.push_screen(OrderScreen(detail.id, detail))

    def _mail_delivered(self, results: list[object]) -> None:
        refresh_after_delivery(self, results)

    def open_order(self, order_id: int) -> None:
        """Open an order's screen over the current one (``esc`` comes back)."""
        self.push_screen(OrderScreen(order_id))

    def show_orders_search(self) -> None:
        """Back to the orders screen with the search box focused."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, OrdersScreen):
            self.pop_screen()
        if isinstance(self.screen, OrdersScreen):
            self.screen.action_focus_search()
            self.screen.query_one("#search", Input).select_all()  # typing starts a new search

    def _handle_exception(self, error: Exception) -> None:
        """A database fault in any worker (server gone, file read-only or locked) is one line
        on screen, not the end of the session: the operator retries once it is fixed."""
        message = faults.describe(getattr(error, "error", error))
        if message is None:
            super()._handle_exception(error)
            return
        self.notify(visible(message), title="Database", severity="error", markup=False,
                    timeout=10)

    def action_redraw(self) -> None:
        """ctrl+l: repaint everything, for a terminal that got out of step."""
        app_driver.redraw(self)

    def action_help(self) -> None:
        """``?``/F1 on any screen or dialog: its keys (again on help closes it)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(help_title(self.screen), screen_keys(self, self.screen)))

    def action_command_palette(self) -> None:
        """The stock palette, minus its blinking cursor (see conventions: slow links)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            palette = CommandPalette(id="--command-palette")
            self.push_screen(palette)
            palette.call_after_refresh(self._still_palette, palette)

    @staticmethod
    def _still_palette(palette: CommandPalette) -> None:
        for field in palette.query(Input):
            field.cursor_blink = False
