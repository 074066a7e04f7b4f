"""Edit order: reference, campaign params, download ID, language, test/trial flags.

The dialog calls the service itself so refused input shows next to its field and the dialog
stays open with nothing saved. It sends only the fields the operator changed, against the
version it loaded: if someone else saved in between, it says who changed what and offers to
reload (fields the operator did not touch take the new values; their own edits are kept).
Dismisses with the saved ``OrderDetail`` (the loaded one when nothing changed), or
``None`` when cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar, TypeVar

from orderview.screens.confirm import ConfirmScreen
from orderview.widgets.app_services import services_of
from orderview.widgets.form_field import FormField, refused, show_field_errors
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.tick import Tick
from orderview.widgets.type_ahead import holds_keys
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
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


ResultT = TypeVar("ResultT")


class EditDialog(ModalScreen[ResultT]):
    """What the order, customer and license edit dialogs share: ctrl+s (the keys typed behind
    it wait for the outcome), the status line, and the one way a write's outcome is shown."""

    busy = False  # a write is running: ctrl+s and the dialog's other writes wait for it
    conflict: ConflictError | None = None  # the last save's conflict, until a reload

    def _status(self, text: str) -> None:
        self.query_one(StatusLine).set_status(text)

    def action_save(self) -> None:
        if not self.busy:
            services_of(self.app).type_ahead.hold_for(self)
            self._save()

    def action_cancel(self) -> None:
        question = self.discard_question()
        if question:
            self._confirm_discard(question)
        else:
            self.dismiss(None)

    def discard_question(self) -> str:
        """What esc asks before closing over unsaved edits (``""``: nothing to lose)."""
        raise NotImplementedError

    def action_reload(self) -> None:
        if self.conflict is not None and not self.busy:
            self._reload()

    def _reload(self) -> object:
        """The dialog's reload worker: ``r`` after a conflict, edits kept."""
        raise NotImplementedError

    def unchanged(self) -> Any:
        """What the dialog returns when ctrl+s found nothing to save (``None``: as cancelled)."""
        return None

    def pending_write(self) -> Awaitable[Any] | None:
        """The service write that saves what the operator changed (``None``: nothing to save,
        ctrl+s just closes the dialog)."""
        raise NotImplementedError

    # One group for every write of a dialog: a save cancels a reload still running, and so on.
    @work(exclusive=True, group="edit-dialog")
    @holds_keys  # the keys typed behind ctrl+s go where the outcome left the focus
    async def _save(self) -> None:
        write = self.pending_write()
        if write is None:
            self.dismiss(self.unchanged())
        else:
            await self.save_and_close(write)

    def _show_refused(self, refusal: FieldErrors) -> None:
        """Bad input: messages by the fields, nothing saved."""
        raise NotImplementedError

    def _show_conflict(self, conflict: ConflictError) -> None:
        """Someone saved first: say who changed what."""
        raise NotImplementedError

    @work(exclusive=True, group="edit-dialog-cancel")
    async def _confirm_discard(self, question: str) -> None:
        """esc with unsaved edits: closes only once the operator says to discard them."""
        if await self.app.push_screen_wait(
            ConfirmScreen(question, "y = discard", "n / esc = keep editing")
        ):
            self.dismiss(None)

    async def save_and_close(
        self, write: Awaitable[Any], doing: str = "Saving…", failed: str = "Not saved"
    ) -> None:
        """One service write: busy while it runs, then closed with its result, or the refusal
        shown (fields by their fields, a conflict in the notice, any other service error on
        the status line as ``failed: why``)."""
        self.busy = True
        self._status(doing)
        try:
            result = await write
        except FieldErrors as exc:
            self._show_refused(exc)
        except ConflictError as exc:
            self._show_conflict(exc)
        except ServiceError as exc:
            self._status(f"{failed}: {exc}")
        else:
            self.dismiss(result)
        finally:
            self.busy = False


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


class EditOrderScreen(EditDialog[OrderDetail | None]):
    DEFAULT_CSS = """
    EditOrderScreen { align: center middle; }
    EditOrderScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    EditOrderScreen .title { text-style: bold; height: 1; margin-bottom: 1; }
    EditOrderScreen Checkbox { width: 1fr; height: 1; margin-left: 18; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
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
                Content.assemble(
                    ("Edit order ", "bold"), literal(self.detail.store_id, 60, "bold")
                ),
                classes="title",
            )
            for name, label, placeholder in TEXT_FIELDS:
                yield FormField(name, label, getattr(self.detail, name), placeholder)
            for name, label in FLAGS:
                yield Tick(
                    literal(label), value=getattr(self.detail, name), id=name, compact=True
                )  # blank when off: readable without colour
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

    def _show_refused(self, refusal: FieldErrors) -> None:
        self._status(refused(self, refusal.errors))  # the flags have no error line: status line

    def _show_conflict(self, conflict: ConflictError) -> None:
        self.conflict = conflict
        show_save_conflict(self, conflict)
        self._status("Not saved: the order changed after you opened it")

    # -- actions ----------------------------------------------------------------------------

    def unchanged(self) -> OrderDetail:
        return self.detail  # saved as it was: the order screen says so

    def pending_write(self) -> Awaitable[OrderDetail] | None:
        changes = self.changes()
        return (
            order_edit.update_order(
                services_of(self.app).db,
                services_of(self.app).operator,
                self.detail.id,
                self.detail.version,
                changes,
            )
            if changes
            else None
        )

    def discard_question(self) -> str:
        return f"Discard your changes to order {self.detail.store_id}?" if self.changes() else ""

    @work(exclusive=True, group="edit-dialog")
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
                getattr(fresh, name), name in edited, name in both
            )
        for name, _ in FLAGS:
            if name not in edited:
                self.query_one(f"#{name}", Checkbox).value = getattr(fresh, name)
        self.conflict = None
        self.query_one(ConflictNotice).remove_class("-shown")
        self.refresh_bindings()
        self.query_one("#reference").focus()
        flags = [label for name, label in FLAGS if name in both]
        self._status(
            "Reloaded; your edits are kept. ctrl+s saves them"
            + (f" ({', '.join(flags)} changed there too)." if flags else ".")
        )

    @on(Checkbox.Changed)
    def _flag_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
