"""Add a license manager to an order, or edit the permissions a manager holds on it.

One dialog for both: the same nine checkboxes and the same plan rule (on the standard plan the
distribution permissions are shown, locked in their current state, with the reason). It calls
the service itself so refused input shows next to its field and the dialog stays open; it
dismisses with one line saying what happened (never the password, which goes only by mail).
"""

from __future__ import annotations

from typing import Any, ClassVar

from orderview.widgets.app_services import services_of
from orderview.widgets.form_field import show_field_errors
from orderview.widgets.literal import literal
from orderview.widgets.role_gate import role_refusal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.still_input import StillInput
from orderview.widgets.textual_internals import BlankUntickedMark
from orderview.widgets.type_ahead import holds_keys
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Static

from orderview.mail.smtp import mail_configured
from orderview.mail.status import WAITS
from orderview.permissions import DISTRIBUTION_CODES, PERMISSIONS
from orderview.services import managers
from orderview.services.errors import FieldErrors, ServiceError
from orderview.services.views import ManagerView, OrderDetail

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("email", "Email *", "name@example.com"),
    ("first_name", "First name", ""),
    ("last_name", "Last name", ""),
    ("phone_number", "Phone", ""),
)
LOCKED = "locked"  # short, so the whole label fits at 80 columns; the note below says why


class Tick(BlankUntickedMark, Checkbox):
    """A checkbox whose mark is blank when unticked. The stock box always shows ``X`` and tells
    ticked from unticked by colour alone, which a 16-colour or monochrome terminal (or a
    colour-blind operator) cannot: these boxes grant rights over licenses."""


def permission_label(label: str, meaning: str, locked: bool) -> Content:
    """Checkbox labels parse markup when given a str: always hand them a Content."""
    text = f"{label} — {meaning}" + (f" ({LOCKED})" if locked else "")
    return literal(text)


def added_message(email: str, result: managers.AddResult, configured: bool) -> str:
    who = "Attached existing manager" if result.linked_existing else "Added manager"
    if result.mail_kind == "manager_invite":
        mail = "invite queued" + ("" if configured else f" — {WAITS}")
    elif result.mail_kind == "manager_added":
        mail = "notice queued, password unchanged" + ("" if configured else f" — {WAITS}")
    else:
        mail = "no email sent (r sends an invite)"
    return f"{who} {email}: {mail}"


class ManagerDialog(ModalScreen[str | None]):
    """``ManagerDialog(order)`` adds; ``ManagerDialog(order, manager)`` edits permissions."""

    DEFAULT_CSS = """
    ManagerDialog { align: center middle; }
    ManagerDialog > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ManagerDialog .title { text-style: bold; height: 1; }
    ManagerDialog .row { height: 1; }
    ManagerDialog .row > .label { width: 12; height: 1; }
    ManagerDialog .row > StillInput { width: 1fr; }
    ManagerDialog .error { color: $text-error; height: auto; display: none; padding-left: 12; }
    ManagerDialog .error.-shown { display: block; }
    ManagerDialog .section { height: 1; margin-top: 1; color: $text-muted; }
    ManagerDialog Checkbox { width: 1fr; height: 1; }
    ManagerDialog .note { height: auto; color: $text-warning; }
    ManagerDialog #permissions-error { padding-left: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
        *HELP_BINDINGS,
    ]

    def __init__(
        self,
        order: OrderDetail,
        manager: ManagerView | None = None,
        default_permissions: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.order = order
        self.manager = manager
        self.default_permissions = list(default_permissions or [])
        self.saving = False

    @property
    def editing(self) -> bool:
        return self.manager is not None

    @property
    def enterprise(self) -> bool:
        """Whether the distribution permissions can be changed here: the enterprise plan,
        and an operator whose role may grant them."""
        return self.lock_reason is None

    @property
    def lock_reason(self) -> str | None:
        plan = services_of(self.app).settings.plan
        if plan != "enterprise":
            return f"only on the enterprise plan (this account: {plan} plan)"
        refusal = role_refusal(self.app, "grant_distribution")
        return f"only by an admin ({refusal})" if refusal else None

    def _initial(self) -> set[str]:
        if self.manager is not None:
            return set(self.manager.permissions)
        chosen = set(self.default_permissions)
        # A new manager holds nothing yet, and the standard plan cannot grant distribution.
        return chosen if self.enterprise else chosen - DISTRIBUTION_CODES

    def compose(self) -> ComposeResult:
        initial = self._initial()
        locked = not self.enterprise
        with VerticalScroll():
            if self.manager is None:
                yield Static(
                    Content.assemble(
                        ("Add license manager to order ", "bold"),
                        literal(self.order.store_id, 40, "bold"),
                    ),
                    classes="title",
                )
                for field, label, placeholder in FIELDS:
                    with Horizontal(classes="row"):
                        yield Static(label, classes="label")
                        yield StillInput(id=field, placeholder=placeholder, compact=True)
                    yield Static(id=f"{field}-error", classes="error")
            else:
                yield Static(
                    Content.assemble(
                        ("Edit permissions on order ", "bold"),
                        literal(self.order.store_id, 30, "bold"),
                    ),
                    classes="title",
                )
                yield Static(literal(f"{self.manager.email}  {self.manager.name}".strip(), 76))
            yield Static("Permissions on this order (space toggles):", classes="section")
            for p in PERMISSIONS:
                is_locked = locked and p.distribution
                yield Tick(
                    permission_label(p.label, p.meaning, is_locked),
                    value=p.code in initial,
                    id=f"perm-{p.code}",
                    disabled=is_locked,
                    compact=True,
                )
            if locked:
                yield Static(
                    literal(
                        "Locked: Create order, Issue license and Create bundle order can be "
                        f"changed {self.lock_reason}."
                    ),
                    classes="note",
                    id="plan-note",
                )
            yield Static(id="permissions-error", classes="error")
            if self.manager is None:
                yield Tick(literal("Send invite email"), value=True, id="send-invite", compact=True)
        yield StatusLine(id="dialog-status")
        yield StillFooter()

    def on_mount(self) -> None:
        first = "#email" if self.manager is None else "Checkbox:enabled"
        focus = self.query(first)
        if focus:
            focus.first().focus()

    def permissions(self) -> list[str]:
        return [p.code for p in PERMISSIONS if self.query_one(f"#perm-{p.code}", Checkbox).value]

    def _show_errors(self, errors: dict[str, str]) -> None:
        shown = len(show_field_errors(self, errors, ".error")) < len(errors)
        status = "Not saved: " + (
            "see the messages next to the fields" if shown else "; ".join(errors.values())
        )
        self.query_one(StatusLine).set_status(status)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if not self.saving:
            self.saving = True
            services_of(self.app).type_ahead.hold_for(self)
            self._save()

    @work(exclusive=True, group="manager-save")
    @holds_keys  # the keys typed behind ctrl+s go where the outcome left the focus
    async def _save(self) -> None:
        app = services_of(self.app)
        status = self.query_one(StatusLine)
        status.set_status("Saving…")
        try:
            if self.manager is None:
                data: dict[str, Any] = {
                    field: self.query_one(f"#{field}", StillInput).value for field, _, _ in FIELDS
                }
                data["permissions"] = self.permissions()
                data["send_invite"] = self.query_one("#send-invite", Checkbox).value
                result = await managers.add_manager(
                    app.db,
                    app.settings,
                    self.order.id,
                    data,
                    actor=app.operator,
                )
                message = added_message(
                    data["email"].strip(), result, mail_configured(app.settings)
                )
            else:
                await managers.update_permissions(
                    app.db,
                    app.settings,
                    self.manager.assignment_id,
                    self.permissions(),
                    version=self.manager.assignment_version,
                    actor=app.operator,
                )
                message = f"Permissions of {self.manager.email} saved"
        except FieldErrors as exc:
            self._show_errors(exc.errors)
        except ServiceError as exc:
            status.set_status(f"Not saved: {exc}")
        else:
            self.dismiss(message)
            return
        finally:
            self.saving = False
