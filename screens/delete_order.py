"""Delete order: ``DeleteOrderScreen(detail)``, gated by typing the Order ID.

Deleting takes every license and manager assignment with it and cannot be undone, so the dialog
names what goes (Order ID, customer, license and manager counts, re-read fresh when it opens),
and deletes only when its focused field holds exactly the Order ID: ``enter`` with anything else
says what to type and does nothing; the Delete button is enabled only on an exact match; ``esc``
cancels. It deletes against the version the order screen loaded, so if someone else changed or
deleted the order meanwhile it says so instead. And it deletes only what it showed: the delete
carries the shown preview's fingerprint, and when another desk issued licenses, added a manager
or changed the customer in between, nothing is deleted, the dialog shows the new preview and
the Order ID has to be typed again for it. Dismisses with ``DeletedOrder`` or ``None``.
"""

from __future__ import annotations

from typing import ClassVar

from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.fresh_keys import FreshKeysOnly, IgnoredKeys
from orderview.widgets.literal import literal
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.still_input import StillInput
from orderview.widgets.type_ahead import holds_keys
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from orderview.safetext import visible
from orderview.services import deletion
from orderview.services.errors import ConflictError, NotFound, PreviewChanged, ServiceError
from orderview.services.views import OrderDetail


def what_goes(
    store_id: str, customer: str, email: str, licenses: int, managers: int, unsent_mail: int = 0
) -> Content:
    """The dialog's description: every data string literal, never markup."""
    who = (
        Content.assemble(literal(customer, 60), " <", literal(email, 60), ">")
        if customer and email and customer != email
        else literal(customer or "no customer", 60)
    )
    return Content.assemble(
        "Order ID: ",
        literal(store_id, 60, "bold"),
        "\n",
        "Customer: ",
        who,
        "\n\n",
        "Deleting it also deletes ",
        (plural(licenses, "license"), "bold"),
        " and ",
        (plural(managers, "license manager assignment"), "bold"),
        (
            f", and cancels {plural(unsent_mail, 'unsent email')} to its managers"
            if unsent_mail
            else ""
        ),
        ". The customer and the manager people stay.\n",
        ("This cannot be undone.", "bold"),
    )


class DeleteOrderScreen(
    FreshKeysOnly[deletion.DeletedOrder | None], ModalScreen[deletion.DeletedOrder | None]
):
    DEFAULT_CSS = """
    DeleteOrderScreen { align: center middle; }
    DeleteOrderScreen > VerticalScroll {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $error; background: $surface; padding: 0 1;
    }
    DeleteOrderScreen .title { text-style: bold; height: 1; margin-bottom: 1; color: $text-error; }
    DeleteOrderScreen #delete-what { height: auto; }
    DeleteOrderScreen #delete-prompt { height: auto; margin-top: 1; }
    DeleteOrderScreen #delete-message { height: auto; color: $text-warning; }
    DeleteOrderScreen Horizontal { height: auto; align-horizontal: right; }
    DeleteOrderScreen Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel"), *HELP_BINDINGS]

    def __init__(self, detail: OrderDetail) -> None:
        super().__init__()
        self.detail = detail
        self.busy = False
        self.blocked = False  # the order changed or went: deleting is no longer offered
        self.preview: deletion.DeletionPreview | None = None  # the one shown, once read
        customer = detail.customer
        # What the dialog shows until the fresh preview is in (from the order screen).
        self.shown: tuple[str, str, str, int, int, int] = (
            detail.store_id,
            customer.display_name if customer else "",
            customer.email if customer else "",
            detail.license_count,
            len(detail.managers),
            0,
        )

    def compose(self) -> ComposeResult:
        d = self.detail
        with VerticalScroll():
            yield Static(
                Content.assemble("Delete order ", literal(d.store_id, 50)), classes="title"
            )
            yield Static(what_goes(*self.shown), id="delete-what")
            yield Static(
                Content.assemble(
                    "Type the Order ID (",
                    literal(d.store_id, 50, "bold"),
                    ") and press enter to delete:",
                ),
                id="delete-prompt",
            )
            yield StillInput(id="delete-confirm")
            yield Static(id="delete-message")
            yield IgnoredKeys()
            with Horizontal():
                yield Button("Delete", id="delete", variant="error", disabled=True)
                yield Button("Cancel", id="cancel")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one("#delete-confirm", StillInput).focus()
        self._refresh_preview()

    # -- state ------------------------------------------------------------------------------

    @property
    def matches(self) -> bool:
        return self.query_one("#delete-confirm", StillInput).value == self.detail.store_id

    def _message(self, text: Content | str) -> None:
        self.query_one("#delete-message", Static).update(
            text if isinstance(text, Content) else literal(text, max_length=1000)
        )

    def _block(self, text: str) -> None:
        self.blocked = True
        self.query_one("#delete", Button).disabled = True
        self._message(f"{text} Nothing was deleted; esc goes back (ctrl+r there reloads).")

    @work(exclusive=True, group="delete-preview")
    async def _refresh_preview(self) -> None:
        """Counts as they are now, and an early warning if the order moved on."""
        try:
            preview = await deletion.deletion_preview(services_of(self.app).db, self.detail.id)
        except NotFound:
            self._block("This order was deleted by someone else after you opened it.")
            return
        before = self.shown
        self._show(preview)
        if preview.version != self.detail.version:
            self._block("This order was changed by someone else after you opened it.")
        elif preview.shown[:5] != before[:5]:  # (the order screen does not count unsent mail)
            self._message(
                Content.assemble(
                    "Changed since the order was loaded (",
                    literal(deletion.preview_changes(before, preview), 300),
                    "): above is what deleting takes now.",
                )
            )

    def _show(self, preview: deletion.DeletionPreview) -> None:
        self.preview, self.shown = preview, preview.shown
        self.query_one("#delete-what", Static).update(what_goes(*preview.shown))

    @on(Input.Changed, "#delete-confirm")
    def _typed(self) -> None:
        self.query_one("#delete", Button).disabled = self.blocked or not self.matches
        if not self.blocked and self.query_one("#delete-confirm", StillInput).value:
            self._message("")  # (not when emptied after a refusal: its message stays)

    # -- actions ----------------------------------------------------------------------------

    @on(Input.Submitted, "#delete-confirm")
    def _submitted(self) -> None:
        self._try_delete()

    @on(Button.Pressed, "#delete")
    def _delete_pressed(self) -> None:
        self._try_delete()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _try_delete(self) -> None:
        if self.busy or self.blocked:
            return
        if not self.matches:
            self._message(
                Content.assemble(
                    "Not deleted. To delete, type the Order ID exactly: ",
                    literal(self.detail.store_id, 60, "bold"),
                )
            )
            return
        self.busy = True
        self.query_one("#delete", Button).disabled = True
        self._message("Deleting…")
        services_of(self.app).type_ahead.hold_for(self)
        self._delete()

    @work(exclusive=True, group="delete")
    @holds_keys  # the keys typed behind enter go to the orders search, or stay here
    async def _delete(self) -> None:
        try:
            preview = self.preview
            if preview is None:  # enter came before the fresh preview: read it, compare
                preview = await deletion.deletion_preview(services_of(self.app).db, self.detail.id)
                if preview.shown != self.shown:
                    raise PreviewChanged("order", preview, "")
            result = await deletion.delete_order(
                services_of(self.app).db,
                services_of(self.app).operator,
                self.detail.id,
                self.detail.version,
                fingerprint=preview.fingerprint,
            )
        except PreviewChanged as exc:
            assert isinstance(exc.preview, deletion.DeletionPreview)  # delete_order's, or ours
            self._changed(exc.preview)
            return
        except NotFound:
            self._block("This order was deleted by someone else after you opened it.")
            return
        except ConflictError as exc:
            self._block(str(exc))
            return
        except ServiceError as exc:
            self._message(f"Not deleted: {exc}")
            self.query_one("#delete", Button).disabled = not self.matches
            return
        finally:
            self.busy = False
        self.dismiss(result)

    def _changed(self, preview: deletion.DeletionPreview) -> None:
        """Someone changed what deleting takes: show it, and ask for the Order ID again."""
        what = deletion.preview_changes(self.shown, preview)
        self._show(preview)
        box = self.query_one("#delete-confirm", StillInput)
        box.value = ""
        box.focus()
        self.query_one("#delete", Button).disabled = True
        self._message(
            Content.assemble(
                "Not deleted: this order changed after this dialog showed it (",
                literal(what, 300),
                "). Above is what deleting takes now; to delete it, type the Order ID again.",
            )
        )

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


def after_delete(app: App[object], deleted: deletion.DeletedOrder) -> None:
    """Tell the operator, go back to the orders screen, and search again so the deleted order
    is no longer listed."""
    from orderview.screens.orders import OrdersScreen

    app.notify(
        visible(
            f"Order {deleted.store_id} deleted with {plural(deleted.license_count, 'license')}"
            f" and {plural(deleted.manager_count, 'manager assignment')}.",
            max_length=300,
        ),
        title="Order deleted",
        markup=False,
    )
    services_of(app).show_orders_search()
    for screen in app.screen_stack:
        if isinstance(screen, OrdersScreen):
            screen.refresh_results()
