"""Edit order: reference, campaign params, download ID, language, test/trial flags.

The dialog calls the service itself so refused input shows next to its field and the dialog
stays open with nothing saved. It sends only the fields the operator changed, against the
version it loaded: if someone else saved in between, it says who changed what and offers to
reload (fields the operator did not touch take the new values; their own edits are kept).
Dismisses with the saved ``OrderDetail``, or ``None`` when cancelled.
"""

from __future__ import annotations

from typing import Any

from orderview.screens.confirm import ConfirmScreen
from orderview.widgets.app_services import services_of
from orderview.widgets.form_field import FormField, show_field_errors
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.tick import Tick
from orderview.widgets.type_ahead import holds_keys
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Checkbox, Static

from orderview.history_text import FIELD_LABELS
from orderview.services import order_edit, orders
from orderview.services.errors import ConflictError, FieldErrors, NotFound, ServiceError
from orderview.services.views import OrderDetail

TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("reference", "Reference", "order reference number"),
    ("campaign_params", "Campaign params", "cpg=web,src=google.com"),
    ("download_id", "Download ID", ""),
    ("language", "Language", "en, en-US, pt-BR"),
)
FLAGS: tuple[tuple[str, str], ...] = (("is_test", "Test order"), ("is_trial", "Trial order"))


RELOAD_HINT = "Nothing was saved. r reloads the latest values (your edits are kept)."


def show_save_conflict(dialog: Screen[Any], conflict: ConflictError) -> None:
    """Someone saved first: the field messages no longer apply, the notice says who changed
    what and offers ``r`` (the dialog's ``check_action`` decides whether ``r`` shows)."""
    show_field_errors(dialog, {})
    dialog.query_one(ConflictNotice).show_conflict(conflict, RELOAD_HINT)
    dialog.refresh_bindings()


def conflict_text(conflict: ConflictError) -> str:
    """The service's message, naming fields as the dialog labels them (``Download ID``, not
    ``download_id``)."""
    if conflict.deleted or not conflict.changes:
        return str(conflict)
    parts = []
    for change in conflict.changes:
        fields = ", ".join(FIELD_LABELS.get(f, f) for f in change.fields) or change.action
        parts.append(f"{change.operator} at {change.at:%Y-%m-%d %H:%M:%S} UTC ({fields})")
    return f"This {conflict.entity} changed after you opened it: " + "; ".join(parts) + "."


class ConflictNotice(Static, can_focus=True):
    """What changed under the operator; focusable so plain ``r`` reaches the dialog."""

    DEFAULT_CSS = """
    ConflictNotice {
        height: auto; width: 1fr; display: none; color: $text-warning;
        border-left: thick $warning; padding: 0 1; margin-top: 1;
    }
    ConflictNotice.-shown { display: block; }
    ConflictNotice:focus { background: $boost; }
    """

    def show_conflict(self, conflict: ConflictError, hint: str) -> None:
        """Who changed which fields (by their labels on screen), then what to do."""
        lines = [str(conflict)] if conflict.deleted else [conflict_text(conflict), hint]
        self.update(Content("\n").join([literal(line, max_length=2000) for line in lines]))
        self.add_class("-shown")
        self.focus()


class EditOrderScreen(ModalScreen[OrderDetail | None]):
    DEFAULT_CSS = """
    EditOrderScreen { align: center middle; }
    EditOrderScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    EditOrderScreen .title { text-style: bold; height: 1; margin-bottom: 1; }
    EditOrderScreen Checkbox { width: 1fr; height: 1; margin-left: 18; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("r", "reload", "Reload"),
        *HELP_BINDINGS,
    ]

    def __init__(self, detail: OrderDetail) -> None:
        super().__init__()
        self.detail = detail
        self.conflict: ConflictError | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Content.assemble(("Edit order ", "bold"), literal(self.detail.store_id, 60, "bold")),
                classes="title",
            )
            for name, label, placeholder in TEXT_FIELDS:
                yield FormField(name, label, getattr(self.detail, name), placeholder)
            for name, label in FLAGS:
                yield Tick(literal(label), value=getattr(self.detail, name), id=name,
                           compact=True)  # blank when off: readable without colour
            yield ConflictNotice(id="conflict")
        yield StatusLine("ctrl+s saves · esc cancels", id="dialog-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one("#reference").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self.conflict is not None
        return True

    # -- values -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: self.query_one(f"#field-{name}", FormField).value for name, _, _ in TEXT_FIELDS
        }
        for name, _ in FLAGS:
            data[name] = self.query_one(f"#{name}", Checkbox).value
        return data

    def changes(self) -> dict[str, Any]:
        """Only what the operator changed, compared with what the dialog loaded."""
        return {k: v for k, v in self.values().items() if v != getattr(self.detail, k)}

    def _status(self, text: str) -> None:
        self.query_one(StatusLine).set_status(text)

    def _show_errors(self, errors: dict[str, str]) -> None:
        unplaced = show_field_errors(self, errors)  # the flags have no error line
        self._status("Not saved: " + ("; ".join(f"{k}: {v}" for k, v in unplaced.items())
                                      if unplaced else "see the messages under the fields"))

    def _show_conflict(self, conflict: ConflictError) -> None:
        self.conflict = conflict
        show_save_conflict(self, conflict)
        self._status("Not saved: the order changed after you opened it")

    # -- actions ----------------------------------------------------------------------------

    def action_save(self) -> None:
        if not self.busy:
            services_of(self.app).type_ahead.hold_for(self)
            self._save()

    @work(exclusive=True, group="edit-order")
    @holds_keys  # the keys typed behind ctrl+s go where the outcome left the focus
    async def _save(self) -> None:
        changes = self.changes()
        if not changes:
            self.dismiss(None)
            return
        self.busy = True
        self._status("Saving…")
        try:
            detail = await order_edit.update_order(
                services_of(self.app).db, services_of(self.app).operator,
                self.detail.id, self.detail.version, changes,
            )
        except FieldErrors as exc:
            self._show_errors(exc.errors)
        except ConflictError as exc:
            self._show_conflict(exc)
        except ServiceError as exc:
            self._status(f"Not saved: {exc}")
        else:
            self.dismiss(detail)
        finally:
            self.busy = False

    def action_cancel(self) -> None:
        if self.changes():
            self._confirm_cancel()
        else:
            self.dismiss(None)

    @work(exclusive=True, group="edit-order-cancel")
    async def _confirm_cancel(self) -> None:
        question = f"Discard your changes to order {self.detail.store_id}?"
        if await self.app.push_screen_wait(
            ConfirmScreen(question, "y = discard", "n / esc = keep editing")
        ):
            self.dismiss(None)

    def action_reload(self) -> None:
        if self.conflict is not None and not self.busy:
            self._reload()

    @work(exclusive=True, group="edit-order")
    async def _reload(self) -> None:
        try:
            fresh = await orders.get_order(services_of(self.app).db, self.detail.id)
        except NotFound:
            self._status("This order no longer exists: esc closes the dialog")
            return
        edited = self.changes()
        before, self.detail = self.detail, fresh
        # Fields both operators changed: say what is stored now, so saving over it is a choice.
        both = [name for name in edited if getattr(fresh, name) != getattr(before, name)]
        for name, _, _ in TEXT_FIELDS:
            self.query_one(f"#field-{name}", FormField).take_reloaded(
                getattr(fresh, name), name in edited, name in both)
        for name, _ in FLAGS:
            if name not in edited:
                self.query_one(f"#{name}", Checkbox).value = getattr(fresh, name)
        self.conflict = None
        self.query_one(ConflictNotice).remove_class("-shown")
        self.refresh_bindings()
        self.query_one("#reference").focus()
        flags = [label for name, label in FLAGS if name in both]
        self._status("Reloaded; your edits are kept. ctrl+s saves them"
                     + (f" ({', '.join(flags)} changed there too)." if flags else "."))

    @on(Checkbox.Changed)
    def _flag_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
