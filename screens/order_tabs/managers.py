"""License manager tab: who manages this order's licenses, with what rights, invited or not.

Keys (on the tab, so they work only while it has focus, and show in its footer): ``a`` add,
``enter`` edit permissions, ``r`` resend the invite with a new initial password, ``delete`` or
``R`` remove from this order (both after a confirmation). The invite column always tells the
truth: queued (and "waits for a mail server" when none is configured: no password exists
until it is sent), sent at, failed and why, expired (``r`` resends).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from orderview.screens.confirm import ConfirmScreen
from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import EMPTY
from orderview.widgets.literal import literal
from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.read_only import refuse_write
from orderview.widgets.role_gate import RoleGated
from orderview.widgets.status_line import StatusLine
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from orderview.mail import mail_configured
from orderview.mail.composer import KIND_ADDED
from orderview.mail.outbox import MAX_ATTEMPTS
from orderview.mail.status import WAITS, invite_status
from orderview.permissions import PERMISSION_BY_CODE, PERMISSIONS
from orderview.services import manager_invites, removal
from orderview.services.errors import PreviewChanged, ServiceError
from orderview.services.views import ManagerView, OrderDetail

# Each permission is one letter in a fixed position, so every manager's rights fit on one line
# at 80 columns beside the email, name, invite and first login; the legend under the table says
# what each letter means, and the detail lines spell out the selected manager's rights in full.
LETTERS: dict[str, str] = {
    "manage_license_users": "U",
    "manage_license_user_credentials": "C",
    "manage_managers": "M",
    "reset_device": "D",
    "reset_license": "L",
    "borrow_license": "B",
    "create_bundle_order": "N",
    "create_order": "O",
    "issue_license": "I",
}
NOT_HELD = "·"
LEGEND = (
    "Perms: U users  C credentials  M managers  D reset device  L reset license\n"
    f"       B borrow  N bundle order  O create order  I issue license  {NOT_HELD} not held"
)

COLUMNS = ("Email", "Name", "Perms", "Invite (UTC)", "Login")
WIDTHS = (22, 13, 9, 22, 5)  # compact: 76 columns in all, room left for a scrollbar
DETAIL_LINE = 76  # text columns of a detail line at 80 columns


def permission_letters(codes: list[str]) -> str:
    """``UC·DL····``: one position per permission, in the domain's order."""
    held = set(codes)
    return "".join(LETTERS[p.code] if p.code in held else NOT_HELD for p in PERMISSIONS)


def first_login(m: ManagerView) -> str:
    return "no" if m.is_initial_password else "done"


def invite_cell(m: ManagerView, configured: bool) -> str:
    """The invite status, short enough for its column: the lines under the table give it in
    full. Without a mail server that is what the cell says, whatever the last failure was."""
    if not configured and m.invite_status == "failed" and m.invite_attempts < MAX_ATTEMPTS:
        return ("notice " if m.invite_kind == KIND_ADDED else "") + "failed; no mail server"
    if m.invite_status == "expired":
        return ("notice " if m.invite_kind == KIND_ADDED else "") + "expired; r resends"
    status = invite_status(m, configured).replace(f"queued — {WAITS}", "waits for mail server")
    return status.replace(" UTC", "")  # the column title says the times are UTC


def manager_cells(m: ManagerView, configured: bool) -> tuple[object, ...]:
    return (
        m.email,
        m.name or EMPTY,
        permission_letters(m.permissions),
        invite_cell(m, configured),
        first_login(m),
    )


def _keep_tail(text: str, limit: int) -> str:
    """Cut a long status in its middle, keeping a short ``(…)`` tail such as the retry time."""
    if len(text) <= limit:
        return text
    head, sep, tail = text.rpartition(" (")
    if sep and len(tail) < 40:
        return head[: limit - len(tail) - 3] + "…" + sep + tail
    return text[: limit - 1] + "…"


def manager_detail(m: ManagerView, configured: bool) -> Content:
    """The whole truth about one manager, for the lines under the table: who (one line), every
    permission by its label (up to two lines), first login and the whole invite status (up to
    two lines; a long reason is cut in its middle, the retry time kept). Data strings literal;
    long ones cut so the five lines never grow."""
    labels = ", ".join(PERMISSION_BY_CODE[c].label for c in m.permissions) or "none"
    done = "not yet" if m.is_initial_password else "done"
    invite = f"First login: {done} · Invite: {invite_status(m, configured)}"
    return Content.assemble(
        literal(m.email, 50, "bold"),
        "  ",
        literal(m.name, max(DETAIL_LINE - 2 - min(len(m.email), 50), 24)),
        "\n",
        literal(_keep_tail(f"Permissions: {labels}", DETAIL_LINE * 2 - 12)),
        "\n",
        literal(_keep_tail(invite, DETAIL_LINE * 2 - 12)),
    )


class ManagersTable(RoleGated, LiteralTable):
    """``enter`` edits the manager under the cursor (shown in the footer)."""

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {"select_cursor": "manage_managers"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Permissions",
            tooltip="Edit permissions of the selected manager",
        )
    ]


class ManagersPane(RoleGated, Vertical):
    ROLE_ACTIONS: ClassVar[dict[str, str]] = {
        "add": "manage_managers",
        "resend": "resend_invite",
        "remove": "manage_managers",
    }

    DEFAULT_CSS = """
    ManagersPane { height: 1fr; }
    ManagersPane LiteralTable { height: 1fr; }
    ManagersPane #managers-legend { height: 2; padding: 0 1; color: $text-muted; }
    ManagersPane #manager-detail { height: 5; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short labels: the order's own keys follow in the footer at 80 columns (help shows
        # the tooltips).
        Binding("a", "add", "Add", tooltip="Add a manager"),
        Binding("r", "resend", "Resend", tooltip="Resend the invite"),
        Binding("R", "remove", "Remove", tooltip="Remove the manager from the order (asks first)"),
        Binding(
            "delete",
            "remove",
            "Remove",
            show=False,
            tooltip="Remove the manager from the order (asks first)",
        ),
    ]

    detail: OrderDetail | None = None

    def compose(self) -> ComposeResult:
        yield ManagersTable(id="managers-table", compact=True)
        yield Static(LEGEND, id="managers-legend", markup=False)
        yield Static(id="manager-detail")
        yield StatusLine(id="managers-status")

    def on_mount(self) -> None:
        self.table.caps = list(WIDTHS)  # cut with "…", never silently (a cut email lies)
        self.table.set_columns(COLUMNS, WIDTHS)

    @property
    def table(self) -> LiteralTable:
        return self.query_one("#managers-table", LiteralTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#managers-status", StatusLine)

    @property
    def configured(self) -> bool:
        return mail_configured(services_of(self.app).settings)

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
        self.status.keep(self._summary())  # a message about a change stays until a key

    def _summary(self) -> str:
        if self.detail is None or not self.detail.managers:
            return "No license managers on this order. a adds one."
        note = " · invites wait for a mail server (none configured)" if not self.configured else ""
        return f"{len(self.detail.managers)} manager(s){note}"

    def _show_selected(self) -> None:
        manager = self.selected_manager()
        detail = self.query_one("#manager-detail", Static)
        detail.update(manager_detail(manager, self.configured) if manager else "", layout=False)

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
        self.status.say(message)
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            await reload()

    def action_add(self) -> None:
        if refuse_write(self):
            return
        if self.detail is None:
            return
        from orderview.screens.manager_dialog import ManagerDialog  # not with the order screen

        dialog = ManagerDialog(
            self.detail,
            default_permissions=services_of(self.app).settings.default_manager_permissions,
        )
        self.app.push_screen(dialog, self._saved)

    def action_edit(self) -> None:
        if refuse_write(self):
            return
        manager = self.selected_manager()
        if self.detail is None or manager is None:
            self.status.say("No manager selected. a adds one.")
            return
        from orderview.screens.manager_dialog import ManagerDialog

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
        if refuse_write(self):
            return
        manager, detail = self.selected_manager(), self.detail
        if manager is None or detail is None:
            self.status.say("No manager selected.")
            return
        lead = ""
        try:
            preview = await removal.removal_preview(services_of(self.app).db, manager.assignment_id)
            while True:  # the confirmation shows the manager as they are; removes only that
                if not await self.app.push_screen_wait(
                    ConfirmScreen(removal_question(preview, lead))
                ):
                    self.status.say("Nothing removed.")
                    return
                try:
                    await removal.remove_manager(
                        services_of(self.app).db,
                        manager.assignment_id,
                        version=manager.assignment_version,
                        actor=services_of(self.app).operator,
                        fingerprint=preview.fingerprint,
                    )
                    break
                except PreviewChanged as exc:
                    assert isinstance(exc.preview, removal.ManagerRemoval)  # remove_manager's
                    preview, lead = exc.preview, str(exc)
        except ServiceError as exc:
            await self._reload(f"Not removed: {exc}")
            return
        await self._reload(f"Removed {manager.email} from this order.")

    @work(exclusive=True, group="managers-write")
    async def action_resend(self) -> None:
        if refuse_write(self):
            return
        manager = self.selected_manager()
        if manager is None:
            self.status.say("No manager selected.")
            return
        signed_in = "" if manager.is_initial_password else " They have already signed in."
        question = (
            f"Send {manager.email} a new initial password? Any earlier password "
            f"stops working at once.{signed_in}"
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            self.status.say("No invite sent.")
            return
        try:
            await manager_invites.resend_invite(
                services_of(self.app).db,
                services_of(self.app).settings,
                manager.assignment_id,
                version=manager.assignment_version,
                actor=services_of(self.app).operator,
                signed_in=not manager.is_initial_password,
            )
        except ServiceError as exc:
            await self._reload(f"Not sent: {exc}")
            return
        self._wake_sender()
        note = "" if self.configured else " — waits for a mail server"
        await self._reload(f"New invite for {manager.email} queued{note}.")


def removal_question(preview: removal.ManagerRemoval, lead: str = "") -> Content:
    """The Remove confirmation: the manager as they are now (data through ``literal``)."""
    labels = (
        ", ".join(
            PERMISSION_BY_CODE[c].label if c in PERMISSION_BY_CODE else c
            for c in preview.permissions
        )
        or "none"
    )
    who = (
        Content.assemble(literal(preview.email, 80), " (", literal(preview.name, 60), ")")
        if preview.name
        else literal(preview.email, 80)
    )
    mail = (
        f"\n{preview.unsent_mail} unsent email(s) to them about this order are cancelled."
        if preview.unsent_mail
        else ""
    )
    return Content.assemble(
        (literal(lead, 300) + "\n\n") if lead else "",
        "Remove ",
        who,
        " from order ",
        literal(preview.store_id, 60),
        "?\n",
        "Permissions here: ",
        literal(labels, 300),
        "\n",
        "Signed in: ",
        "yes" if preview.signed_in else "not yet",
        mail,
        "\n",
        "They lose their rights on this order; their login and other orders stay.",
    )


def refresh_after_delivery(app: object, results: Sequence[object]) -> None:
    """The background sender changed some invites' status: reload the open orders they
    concern (only then, so an idle app repaints nothing)."""
    order_ids = {getattr(r, "order_id", None) for r in results}
    for screen in getattr(app, "screen_stack", []):
        if getattr(screen, "order_id", None) in order_ids and hasattr(screen, "reload"):
            screen.run_worker(screen.reload(), group="order-load", exclusive=True)
