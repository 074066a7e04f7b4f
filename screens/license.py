"""The license screen: one license in full, its devices and its history, and the support
desk's actions on it (disable / enable, reset activations, release a device, note, limits,
validity and maintenance, copy the key).

Opened from the order's Licenses tab (``enter``) or ``orderview open --license KEY``; ``esc``
goes back to the order, whose Licenses tab keeps its cursor on the same row. Every action is
one service call (``orderview.services.license_actions``) against the version shown: if another
operator changed the license meanwhile, the status line says who changed what and the screen
shows the license as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from orderview.screens import license_panes
from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from orderview.widgets.read_only import refuse_write
from orderview.widgets.role_gate import RoleGated
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import StillFooter
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from orderview.services import license_actions, licenses
from orderview.services.errors import ConflictError, NotFound, ServiceError
from orderview.services.views import LicenseDetail


def header_text(detail: LicenseDetail) -> Content:
    return Content.assemble(
        ("License ", "bold"),
        literal(detail.identity, max_length=60, style="bold"),
        "  ·  ",
        literal(detail.product_code, max_length=20),
        "  ·  ",
        detail.status,
        "  ·  order ",
        literal(detail.order_store_id, max_length=30),
    )


class LicenseScreen(RoleGated, Screen[None]):
    DEFAULT_CSS = """
    LicenseScreen #license-header { height: 1; padding: 0 1; background: $boost; }
    LicenseScreen #license-tabs { height: 1fr; }
    LicenseScreen #license-tabs TabPane { padding: 0; height: 1fr; }
    LicenseScreen #license-scroll, LicenseScreen #license-log { height: 1fr; }
    LicenseScreen #devices-table { height: 1fr; }
    LicenseScreen .license-event { height: auto; width: 1fr; margin-bottom: 1; padding: 0 1; }
    """
    HELP_TITLE = "License"
    ROLE_ACTIONS: ClassVar[dict[str, str]] = {
        name: "change_license"
        for name in ("disable", "enable", "reset", "release", "note", "limits", "extend")
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "disable", "Disable", tooltip="Disable the license (asks y/n)"),
        Binding("e", "enable", "Enable", tooltip="Enable the license (asks y/n)"),
        Binding(
            "R", "reset", "Reset", tooltip="Reset activations: release every device (asks first)"
        ),
        Binding(
            "X",
            "release",
            "Release",
            tooltip="Release the device under the cursor (Devices tab; asks first)",
        ),
        Binding("n", "note", "Note", tooltip="Edit the note"),
        Binding("m", "limits", "Limits", tooltip="Change max activations / max transfers"),
        Binding("v", "extend", "Extend", tooltip="Extend validity or maintenance"),
        Binding(
            "c", "copy", "Copy", tooltip="Copy the key (or user email) to your clipboard (OSC 52)"
        ),
        Binding("escape", "back", "Back", show=False, tooltip="Back to the order"),
        Binding("1", "show_tab('license-details')", "Details", show=False),
        Binding("2", "show_tab('license-devices')", "Devices", show=False),
        Binding(
            "3,h",
            "show_tab('license-history')",
            "History",
            show=False,
            tooltip="The license's history (audit trail)",
        ),
        Binding("ctrl+r", "reload", "Reload", show=False, tooltip="Reload the license"),
    ]

    def __init__(
        self,
        license_id: int,
        detail: LicenseDetail | None = None,
        *,
        place_order_cursor: bool = False,
        back: Callable[[LicenseScreen], None] | None = None,
    ) -> None:
        """``back``: the opener's hook for esc (the order screen's ``license_closed``), passed in
        so this screen does not import the order screen that opens it."""
        super().__init__()
        self.license_id = license_id
        self.back = back
        # Opened straight (``open --license``): esc shows the order's Licenses tab at this row.
        self.place_order_cursor = place_order_cursor
        self.detail = detail
        self.changed = False  # something was saved here: the order's row shows it anew
        self._missing = False
        self._history_loaded = False
        self._busy = False

    @property
    def accepts_input(self) -> bool:
        """Keys typed ahead wait until the license is loaded (``widgets/type_ahead.py``)."""
        return self.detail is not None or self._missing

    def compose(self) -> ComposeResult:
        yield Static(id="license-header")
        yield from license_panes.compose_panes()
        yield StatusLine(id="license-status")
        yield StillFooter()

    def on_mount(self) -> None:
        license_panes.prepare_panes(self)
        self.query_one("#license-scroll").focus()
        if self.detail is not None:
            self._show()
        else:
            self._load()

    @work(exclusive=True, group="license-load")
    async def _load(self) -> None:
        try:
            self.detail = await licenses.get_license(services_of(self.app).db, self.license_id)
        except NotFound as exc:
            self._missing = True
            self._say(f"{exc}. Press esc.")
            return
        self._show()

    def _show(self) -> None:
        detail = self.detail
        assert detail is not None
        self.query_one("#license-header", Static).update(header_text(detail))
        license_panes.show_detail(self, detail)
        if self._history_loaded:
            self._load_history()
        self.refresh_bindings()

    def _say(self, text: str) -> None:
        self.query_one("#license-status", StatusLine).set_status(text)

    # -- tabs ----------------------------------------------------------------------------------

    def action_show_tab(self, tab_id: str) -> None:
        self.query_one(TabbedContent).active = tab_id
        self._focus_tab(tab_id)

    def _focus_tab(self, tab_id: str) -> None:
        self.query_one(license_panes.FOCUS_OF_TAB[tab_id]).focus()

    def _on_devices_tab(self) -> bool:
        return self.is_mounted and self.query_one(TabbedContent).active == "license-devices"

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if event.pane.id == "license-history" and not self._history_loaded:
            self._history_loaded = True
            self._load_history()
        if event.pane.id:
            self._focus_tab(event.pane.id)

    @work(exclusive=True, group="license-history")
    async def _load_history(self) -> None:
        page = await licenses.license_history(
            services_of(self.app).db, self.license_id, limit=license_panes.HISTORY_PAGE
        )
        await license_panes.show_history(self, page)

    # -- which keys show -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if allowed is False or self.detail is None:
            return allowed
        if action == "disable":
            return self.detail.enabled
        if action == "enable":
            return not self.detail.enabled
        if action == "reset":
            return bool(self.detail.devices)
        if action == "release":  # in the footer only where the cursor picks a device
            return bool(self.detail.devices) and self._on_devices_tab()
        return allowed

    # -- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()
        if self.back is not None:
            self.back(self)

    def action_reload(self) -> None:
        self._load()

    def action_copy(self) -> None:
        if self.detail is None:
            return
        self.app.copy_to_clipboard(self.detail.identity)
        self._say(
            f"Copied the {self.detail.identity_kind} {self.detail.identity} to your "
            "clipboard (OSC 52: if nothing arrived, your terminal does not allow it)"
        )

    async def _run(self, call, done: str) -> None:
        """One service call: show the result, or why not (a conflict reloads the license)."""
        self._busy = True
        try:
            self.detail = await call
        except ConflictError as exc:
            self._say(f"Not saved: {exc}")
            await self._reload_after_conflict()
            return
        except ServiceError as exc:
            self._say(f"Not saved: {exc}")
            return
        finally:
            self._busy = False
        self.changed = True
        self._show()
        self._say(done)

    async def _reload_after_conflict(self) -> None:
        try:
            self.detail = await licenses.get_license(services_of(self.app).db, self.license_id)
        except NotFound:
            self._missing = True
            return
        self.changed = True
        self._show()

    async def _confirmed(self, question: Content | str, yes: str) -> bool:
        from orderview.screens.confirm import ConfirmScreen

        screen = ConfirmScreen(question, yes)
        return bool(await self.app.push_screen_wait(screen))  # type: ignore[arg-type]  # Textual: Screen[object], invariant

    @work(exclusive=True, group="license-action")
    async def action_disable(self) -> None:
        await self._switch(False)

    @work(exclusive=True, group="license-action")
    async def action_enable(self) -> None:
        await self._switch(True)

    async def _switch(self, enabled: bool) -> None:
        detail = self.detail
        if detail is None or self._busy or refuse_write(self) or detail.enabled == enabled:
            return
        verb = "Enable" if enabled else "Disable"
        what = "it validates again" if enabled else "it stops validating; its devices stay"
        question = Content.assemble(f"{verb} license ", literal(detail.identity, 60), f"? ({what})")
        if await self._confirmed(question, f"y = {verb.lower()}"):
            await self._run(
                license_actions.set_enabled(
                    services_of(self.app).db,
                    services_of(self.app).operator,
                    detail.id,
                    detail.version,
                    enabled,
                ),
                f"{verb}d {detail.identity}.",
            )

    @work(exclusive=True, group="license-action")
    async def action_reset(self) -> None:
        detail = self.detail
        if detail is None or self._busy or refuse_write(self) or not detail.devices:
            return
        count = len(detail.devices)
        question = Content.assemble(
            "Reset activations of ",
            literal(detail.identity, 60),
            f"? All {count}{'+' if detail.devices_more else ''} device(s) are released; "
            "this cannot be undone.",
        )
        if await self._confirmed(question, "y = reset"):
            await self._run(
                license_actions.release_devices(
                    services_of(self.app).db,
                    services_of(self.app).operator,
                    detail.id,
                    detail.version,
                ),
                f"Activations of {detail.identity} reset: devices released.",
            )

    @work(exclusive=True, group="license-action")
    async def action_release(self) -> None:
        detail = self.detail
        if detail is None or self._busy or refuse_write(self):
            return
        if not self._on_devices_tab():
            self.action_show_tab("license-devices")
            self._say("Put the cursor on a device and press X to release it.")
            return
        device = license_panes.device_under_cursor(self, detail)
        if device is None:
            return
        question = Content.assemble(
            "Release device ",
            literal(device.hostname or "(no hostname)", 60),
            " (",
            literal(device.identifier, 40),
            ") from ",
            literal(detail.identity, 60),
            "? Its seat is free again; this cannot be undone.",
        )
        if await self._confirmed(question, "y = release"):
            await self._run(
                license_actions.release_devices(
                    services_of(self.app).db,
                    services_of(self.app).operator,
                    detail.id,
                    detail.version,
                    device_id=device.id,
                ),
                f"Released {device.hostname or device.identifier}.",
            )

    @work(exclusive=True, group="license-action")
    async def action_note(self) -> None:
        await self._edit("note")

    @work(exclusive=True, group="license-action")
    async def action_limits(self) -> None:
        await self._edit("max_activations")

    @work(exclusive=True, group="license-action")
    async def action_extend(self) -> None:
        await self._edit("extend")

    async def _edit(self, focus: str) -> None:
        from orderview.screens.license_edit import LicenseEditScreen

        if self.detail is None or self._busy or refuse_write(self):
            return
        saved = await self.app.push_screen_wait(LicenseEditScreen(self.detail, focus))
        if isinstance(saved, LicenseDetail):
            self.detail, self.changed = saved, True
            self._show()
            self._say(f"Saved {saved.identity}.")
        elif saved == "conflict":
            await self._reload_after_conflict()
