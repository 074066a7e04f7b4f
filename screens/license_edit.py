"""Change a license: note, max activations / transfers, extend validity or maintenance.

One dialog for the license screen's ``n`` (note), ``m`` (limits) and ``v`` (extend), opened
with the cursor on that field. It sends only what the operator changed, against the version
the screen loaded (``services.license_actions.update_license``): bad input shows next to its
field and saves nothing; a change by another operator is shown as a conflict naming who
changed what (esc then shows the license as it is now). Dismisses with the saved
``LicenseDetail``, ``"conflict"``, or ``None`` when cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from orderview.screens.edit_order import ConflictNotice, EditDialog, show_save_conflict
from orderview.widgets.app_services import services_of
from orderview.widgets.form_field import FormField, refused
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import StillFooter
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from orderview.services import license_actions
from orderview.services.errors import ConflictError, FieldErrors
from orderview.services.views import LicenseDetail

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("note", "Note", ""),
    ("max_activations", "Max activations", "a number, or unlimited"),
    ("max_transfers", "Max transfers", "0 = no limit"),
    ("extend", "Extend validity", "by 30d, 6m, 1y …"),
    ("valid_until", "…or valid until", "YYYY-MM-DD"),
    ("maintenance_extend", "Extend maint.", "by 30d, 6m, 1y …"),
    ("maintenance_until", "…or maint. until", "YYYY-MM-DD"),
)


def initial_values(detail: LicenseDetail) -> dict[str, str]:
    v = detail.values
    return {
        "note": detail.note,
        "max_activations": (
            "unlimited" if v["allow_unlimited_activations"] else str(v["max_activations"] or "")
        ),
        "max_transfers": str(v["max_transfers"]),
        "extend": "",
        "valid_until": v["validity_period"].isoformat() if v["validity_period"] else "",
        "maintenance_extend": "",
        "maintenance_until": (
            v["maintenance_period"].isoformat() if v["maintenance_period"] else ""
        ),
    }


class LicenseEditScreen(EditDialog[LicenseDetail | str | None]):
    DEFAULT_CSS = """
    LicenseEditScreen { align: center middle; }
    LicenseEditScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LicenseEditScreen .title { text-style: bold; height: 1; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, detail: LicenseDetail, focus: str = "note") -> None:
        super().__init__()
        self.detail = detail
        self.focus_field = focus
        self.initial = initial_values(detail)
        self.conflict: ConflictError | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Content.assemble(
                    ("Change license ", "bold"), literal(self.detail.identity, 60, "bold")
                ),
                classes="title",
            )
            for name, label, placeholder in FIELDS:
                yield FormField(name, label, self.initial[name], placeholder)
            yield ConflictNotice(id="conflict")
        yield StatusLine("ctrl+s saves · esc cancels · dates UTC", id="dialog-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one(f"#{self.focus_field}").focus()

    def changes(self) -> dict[str, Any]:
        """Only what the operator changed."""
        values = {name: self.query_one(f"#field-{name}", FormField).value for name, _, _ in FIELDS}
        return {k: v for k, v in values.items() if v != self.initial[k]}

    def pending_write(self) -> Awaitable[LicenseDetail] | None:
        changes = self.changes()
        return (
            license_actions.update_license(
                services_of(self.app).db,
                services_of(self.app).operator,
                self.detail.id,
                self.detail.version,
                changes,
            )
            if changes
            else None
        )

    def _show_refused(self, refusal: FieldErrors) -> None:
        self._status(refused(self, refusal.errors))

    def _show_conflict(self, conflict: ConflictError) -> None:
        self.conflict = conflict
        show_save_conflict(self, conflict)
        self._status("Not saved: the license changed after you opened it; esc shows it now")

    def action_cancel(self) -> None:
        self.dismiss("conflict" if self.conflict is not None else None)
