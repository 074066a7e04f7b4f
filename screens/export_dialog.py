"""Export: write the order's CSV to a file the operator names: ``ExportScreen(detail)``.

The path is pre-filled ``order-<Order ID>-<UTC date>.csv`` (current directory); ``ctrl+s`` or
``enter`` writes. An existing file needs a second confirmation. The export runs in a worker that
streams from the database while one status line shows progress a few times a second; ``esc``
during it cancels and leaves nothing behind. Errors stay in the dialog, in plain words.
Dismisses with the ``ExportResult`` (after notifying the path and row count), or ``None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from orderview.screens.confirm import ConfirmScreen
from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from orderview.widgets.still_input import StillInput
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from orderview import export
from orderview.safetext import has_unsafe, visible
from orderview.services.errors import ServiceError
from orderview.services.views import OrderDetail

IDLE_HINT = "ctrl+s or enter writes · esc cancels"


class ExportScreen(ModalScreen[export.ExportResult | None]):
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ExportScreen .title { text-style: bold; height: 1; margin-bottom: 1; }
    ExportScreen .note { color: $text-muted; height: auto; }
    ExportScreen #export-path { margin-top: 1; }
    ExportScreen #export-error { color: $text-error; height: auto; display: none; }
    ExportScreen #export-status { padding: 0; margin-top: 1; }
    ExportScreen #export-error.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Write"),
        Binding("escape", "cancel", "Cancel"),
        *HELP_BINDINGS,
    ]

    def __init__(self, detail: OrderDetail) -> None:
        super().__init__()
        self.detail = detail
        self.busy = False

    def compose(self) -> ComposeResult:
        detail = self.detail
        with Vertical():
            yield Static(
                Content.assemble(("Export order ", "bold"), literal(detail.store_id, 50, "bold")),
                classes="title",
            )
            yield Static(
                literal(
                    f"CSV of the order, its customer and its {plural(detail.license_count, 'license')}"
                    " (one row per license). The file is readable by you only (mode 0600): "
                    "license keys are secrets."
                ),
                classes="note",
            )
            yield StillInput(value=export.default_filename(detail.store_id), id="export-path")
            yield Static(literal(f"relative to {Path.cwd()}", max_length=200), classes="note")
            yield Static(id="export-error")
            yield StatusLine(IDLE_HINT, id="export-status")
        yield StillFooter()

    def on_mount(self) -> None:
        self.query_one("#export-path", StillInput).focus()

    # -- showing ----------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.query_one("#export-status", StatusLine).set_status(text)

    def _error(self, text: str | None) -> None:
        box = self.query_one("#export-error", Static)
        box.update(literal(text or "", max_length=1000))
        box.set_class(bool(text), "-shown")

    def _progress(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        self._status(f"Exporting… {done:,} of {total:,} rows ({percent}%) · esc cancels")

    # -- actions ----------------------------------------------------------------------------

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self.busy:
            return
        path = self.query_one("#export-path", StillInput).value.strip()
        if not path:
            self._error("Type the file to write.")
            return
        if has_unsafe(path):  # a pasted NUL crashed the app; ESC or bidi would spoof `ls`
            self._error(
                "Not written: the file name must not contain control characters or line breaks."
            )
            return
        self._error(None)
        self.busy = True
        self._export(path)

    def action_cancel(self) -> None:
        if self.busy:  # the worker's cancellation removes the temporary file
            self.workers.cancel_node(self)
            self.app.notify("Export cancelled: nothing was written.", markup=False)
        self.dismiss(None)

    @work(exclusive=True, group="export")
    async def _export(self, path: str) -> None:
        try:
            result = await self._write(path)
        finally:
            self.busy = False
        if result is None:
            return
        self.app.notify(
            visible(f"{plural(result.rows, 'row')} written to {result.path}", max_length=500),
            title="Exported",
            markup=False,
        )
        self.dismiss(result)

    async def _write(self, path: str) -> export.ExportResult | None:
        progress = export.throttled(self._progress)
        overwrite = False
        while True:
            self._status("Exporting…")
            try:
                return await export.export_to_file(
                    services_of(self.app).db,
                    self.detail.id,
                    path,
                    overwrite=overwrite,
                    progress=progress,
                    actor=services_of(self.app).operator,
                )
            except export.ExportFileExists:
                target = export.resolve_target(path)
                self._status("The file exists.")
                question = Content.assemble(
                    literal(target, 300), " already exists.\n\n", ("Overwrite it?", "bold")
                )
                if overwrite or not await self.app.push_screen_wait(ConfirmScreen(question)):
                    self._status(IDLE_HINT)
                    self._error(
                        f"Not written: {target} already exists. Change the name, "
                        "or write again and confirm overwriting."
                    )
                    return None
                overwrite = True
            except ServiceError as exc:
                self._status(IDLE_HINT)
                self._error(f"Not written: {exc}")
                return None
