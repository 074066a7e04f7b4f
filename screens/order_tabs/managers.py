"""License manager tab: who manages this order's licenses, with what rights, invited or not.

Keys (on the tab, so they work only while it has focus, and show in its footer): ``a`` add,
``enter`` edit permissions, ``r`` resend the invite with a new initial password, ``delete`` or
``R`` remove from this order (both after a confirmation). The invite column always tells the
truth: queued (and "no mail server configured" when that is why), sent at, failed and why.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable

from orderview.mail.smtp import NO_SERVER, mail_configured
from orderview.mail.status import invite_status
from orderview.permissions import PERMISSION_BY_CODE
from orderview.services import managers
from orderview.services.errors import ServiceError
from orderview.services.views import ManagerView, OrderDetail
from screens.confirm import ConfirmScreen
from screens.manager_dialog import ManagerDialog
from widgets.fmt import EMPTY
from widgets.literal_table import LiteralTable
from widgets.status_line import StatusLine

# Short labels keep a manager's permissions on one line at 80 columns.
SHORT_LABELS: dict[str, str] = {
    "manage_license_users": "users",
    "manage_license_user_credentials": "credentials",
    "manage_managers": "managers",
    "reset_device": "reset-device",
    "reset_license": "reset-license",
    "borrow_license": "borrow",
    "create_bundle_order": "bundle",
    "create_order": "create-order",
    "issue_license": "issue",
}

# The invite column comes second so it is on screen at 80 columns whatever the emails.
COLUMNS = ("Email", "Invite", "1st login", "Permissions", "Name")
WIDTHS = (24, 34, 9, None, None)


def short_permissions(codes: list[str]) -> str:
    return ", ".join(SHORT_LABELS.get(code, code) for code in codes) or "none"


def first_login(m: ManagerView) -> str:
    return "no" if m.is_initial_password else "done"


def manager_cells(m: ManagerView, configured: bool) -> tuple[object, ...]:
    return (m.email, invite_status(m, configured), first_login(m),
            short_permissions(m.permissions), m.name or EMPTY)


def manager_detail(m: ManagerView, configured: bool) -> str:
    """The whole truth about one manager, for the line under the table."""
    labels = ", ".join(PERMISSION_BY_CODE[c].label for c in m.permissions) or "no permissions"
    return (f"{m.email}: {labels} · {invite_status(m, configured)} · "
            f"first login {first_login(m)}")


class ManagersTable(LiteralTable):
    """``enter`` edits the manager under the cursor (shown in the footer)."""

    BINDINGS = [Binding("enter", "select_cursor", "Edit permissions")]


class ManagersPane(Vertical):
    DEFAULT_CSS = """
    ManagersPane { height: 1fr; }
    ManagersPane LiteralTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("a", "add", "Add manager"),
        Binding("r", "resend", "Resend invite"),
        Binding("R", "remove", "Remove"),  # the letter key is the one the footer shows
        Binding("delete", "remove", "Remove", show=False),
    ]

    detail: OrderDetail | None = None

    def compose(self) -> ComposeResult:
        yield ManagersTable(id="managers-table")
        yield StatusLine(id="manager-detail")
        yield StatusLine(id="managers-status")

    def on_mount(self) -> None:
        self.table.set_columns(COLUMNS, WIDTHS)

    @property
    def table(self) -> LiteralTable:
        return self.query_one("#managers-table", LiteralTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#managers-status", StatusLine)

    @property
    def configured(self) -> bool:
        return mail_configured(self.app.settings)  # type: ignore[attr-defined]

    def selected_manager(self, detail: OrderDetail | None = None) -> ManagerView | None:
        """The manager under the cursor."""
        detail = detail or self.detail
        if detail is None:
            return None
        key = self.table.cursor_key()
        return next((m for m in detail.managers if str(m.assignment_id) == key), None)

    def show(self, detail: OrderDetail) -> None:
        self.detail = detail
        table = self.table
        row = table.cursor_row
        configured = self.configured
        table.clear()
        table.add_literal_rows(
            (str(m.assignment_id), manager_cells(m, configured)) for m in detail.managers
        )
        if detail.managers:
            table.move_cursor(row=min(max(row, 0), len(detail.managers) - 1))
        self._show_selected()
        if not self.status.text:
            self.status.set_status(self._summary())

    def _summary(self) -> str:
        if self.detail is None or not self.detail.managers:
            return "No license managers on this order. a adds one."
        note = f" · invites stay queued: {NO_SERVER}" if not self.configured else ""
        return f"{len(self.detail.managers)} manager(s){note}"

    def _show_selected(self) -> None:
        manager = self.selected_manager()
        self.query_one("#manager-detail", StatusLine).set_status(
            manager_detail(manager, self.configured) if manager else ""
        )

    @on(DataTable.RowHighlighted, "#managers-table")
    def _highlighted(self) -> None:
        self._show_selected()

    @on(DataTable.RowSelected, "#managers-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _wake_sender(self) -> None:
        sender = getattr(self.app, "mail_sender", None)
        if sender is not None:
            sender.wake()

    async def _reload(self, message: str) -> None:
        self.status.set_status(message)
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            await reload()

    def action_add(self) -> None:
        if self.detail is None:
            return
        dialog = ManagerDialog(
            self.detail,
            default_permissions=self.app.settings.default_manager_permissions,  # type: ignore[attr-defined]
        )
        self.app.push_screen(dialog, self._saved)

    def action_edit(self) -> None:
        manager = self.selected_manager()
        if self.detail is None or manager is None:
            self.status.set_status("No manager selected. a adds one.")
            return
        self.app.push_screen(ManagerDialog(self.detail, manager), self._saved)

    def _saved(self, message: str | None) -> None:
        if message:
            self._wake_sender()
            self._after_write(message)

    @work(group="managers-write")
    async def _after_write(self, message: str) -> None:
        await self._reload(message)

    @work(exclusive=True, group="managers-write")
    async def action_remove(self) -> None:
        manager, detail = self.selected_manager(), self.detail
        if manager is None or detail is None:
            self.status.set_status("No manager selected.")
            return
        question = (f"Remove {manager.email} from order {detail.store_id}? They lose their "
                    "rights on this order; their login and other orders stay.")
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            self.status.set_status("Nothing removed.")
            return
        try:
            await managers.remove_manager(
                self.app.db, manager.assignment_id,  # type: ignore[attr-defined]
                version=manager.assignment_version, actor=self.app.operator,  # type: ignore[attr-defined]
            )
        except ServiceError as exc:
            await self._reload(f"Not removed: {exc}")
            return
        await self._reload(f"Removed {manager.email} from this order.")

    @work(exclusive=True, group="managers-write")
    async def action_resend(self) -> None:
        manager = self.selected_manager()
        if manager is None:
            self.status.set_status("No manager selected.")
            return
        signed_in = "" if manager.is_initial_password else " They have already signed in."
        question = (f"Send {manager.email} a new initial password? Any earlier password "
                    f"stops working at once.{signed_in}")
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            self.status.set_status("No invite sent.")
            return
        try:
            await managers.resend_invite(
                self.app.db, self.app.settings, manager.assignment_id,  # type: ignore[attr-defined]
                version=manager.assignment_version, actor=self.app.operator,  # type: ignore[attr-defined]
            )
        except ServiceError as exc:
            await self._reload(f"Not sent: {exc}")
            return
        self._wake_sender()
        note = "" if self.configured else f" — {NO_SERVER}"
        await self._reload(f"New invite for {manager.email} queued{note}.")


def refresh_after_delivery(app: object, results: list[object]) -> None:
    """The background sender changed some invites' status: reload the open orders they
    concern (only then, so an idle app repaints nothing)."""
    order_ids = {getattr(r, "order_id", None) for r in results}
    for screen in getattr(app, "screen_stack", []):
        if getattr(screen, "order_id", None) in order_ids and hasattr(screen, "reload"):
            screen.run_worker(screen.reload(), group="order-load", exclusive=True)
