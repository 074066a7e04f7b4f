"""License manager tab: who manages this order's licenses, with what rights, invited or not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from orderview.services.views import ManagerView, OrderDetail
from widgets.fmt import EMPTY, plural, utc
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

COLUMNS = ("Email", "Name", "Permissions", "Invite")


def short_permissions(codes: list[str]) -> str:
    return ", ".join(SHORT_LABELS.get(code, code) for code in codes) or "none"


def invite_text(m: ManagerView) -> str:
    if m.invite_status is None:
        return "not invited"
    when = f" {utc(m.invite_at)}" if m.invite_at else ""
    return f"{m.invite_status}{when}"


def manager_cells(m: ManagerView) -> tuple[object, ...]:
    return (m.email, m.name or EMPTY, short_permissions(m.permissions), invite_text(m))


class ManagersPane(Vertical):
    DEFAULT_CSS = """
    ManagersPane { height: 1fr; }
    ManagersPane LiteralTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield LiteralTable(id="managers-table")
        yield StatusLine(id="managers-status")

    def on_mount(self) -> None:
        self.query_one(LiteralTable).set_columns(COLUMNS)

    @property
    def table(self) -> LiteralTable:
        return self.query_one("#managers-table", LiteralTable)

    def selected_manager(self, detail: OrderDetail) -> ManagerView | None:
        """The manager under the cursor (for actions the managers tab adds)."""
        key = self.table.cursor_key()
        return next((m for m in detail.managers if str(m.assignment_id) == key), None)

    def show(self, detail: OrderDetail) -> None:
        table = self.table
        row = table.cursor_row
        table.clear()
        table.add_literal_rows((str(m.assignment_id), manager_cells(m)) for m in detail.managers)
        if detail.managers:
            table.move_cursor(row=min(row, len(detail.managers) - 1))
        self.query_one(StatusLine).set_status(
            plural(len(detail.managers), "manager") if detail.managers
            else "No license managers on this order."
        )
