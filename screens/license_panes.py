"""The license screen's three tabs: what Details, Devices and History hold and how they fill.

Its own module because the tabs only show a ``LicenseDetail`` (and a page of its history)
and know nothing of the screen's keys or writes; ``screens/license.py`` is the screen with
its actions, which composes these panes, hands them the license it loaded and reads the
device under the cursor back from them. The widget tree and ids are the screen's own (its
stylesheet and tests name them): these functions build and fill it, nothing more.
"""

from __future__ import annotations

from orderview.screens.history import event_content
from orderview.widgets.field_list import FieldList
from orderview.widgets.literal_table import LiteralTable
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static, TabbedContent, TabPane

from orderview.license_text import DEVICE_COLUMNS, DEVICE_WIDTHS, device_cells
from orderview.license_text import license_fields as fields_of
from orderview.services.views import AuditView, DeviceView, LicenseDetail, Page

HISTORY_PAGE = 50
# Each tab and the widget that takes the focus when it is shown.
FOCUS_OF_TAB = {
    "license-details": "#license-scroll",
    "license-devices": "#devices-table",
    "license-history": "#license-log",
}


def compose_panes() -> ComposeResult:
    with TabbedContent(id="license-tabs"):
        with (
            TabPane("Details", id="license-details"),
            VerticalScroll(id="license-scroll", can_focus=True),
        ):
            yield FieldList(id="license-fields")
        with TabPane("Devices", id="license-devices"):
            yield LiteralTable(id="devices-table", compact=True, max_cell=40)
        with TabPane("History", id="license-history"):
            yield VerticalScroll(id="license-log", can_focus=True)


def prepare_panes(screen: DOMNode) -> None:
    """Once mounted: the devices table's columns."""
    screen.query_one("#devices-table", LiteralTable).set_columns(DEVICE_COLUMNS, DEVICE_WIDTHS)


def show_detail(screen: DOMNode, detail: LicenseDetail) -> None:
    """The Details fields and the Devices table (its cursor kept on the same row when it can
    be), with the device count in the Devices tab's title."""
    screen.query_one("#license-fields", FieldList).show_fields(fields_of(detail))
    table = screen.query_one("#devices-table", LiteralTable)
    row = table.cursor_row
    table.clear()
    table.add_literal_rows((str(d.id), device_cells(d)) for d in detail.devices)
    if detail.devices:
        table.move_cursor(row=min(row, len(detail.devices) - 1))
    pane = screen.query_one("#license-devices", TabPane)
    count = len(detail.devices)
    pane_title = f"Devices ({count}{'+' if detail.devices_more else ''})"
    screen.query_one(TabbedContent).get_tab(pane).label = Content(pane_title)


def device_under_cursor(screen: DOMNode, detail: LicenseDetail) -> DeviceView | None:
    table = screen.query_one("#devices-table", LiteralTable)
    key = table.cursor_key() if table.row_count else None
    return next((d for d in detail.devices if str(d.id) == key), None)


async def show_history(screen: DOMNode, page: Page[AuditView]) -> None:
    """The History tab: the newest ``HISTORY_PAGE`` events, or a line saying there are none."""
    log = screen.query_one("#license-log", VerticalScroll)
    await log.remove_children()
    if not page.items:
        await log.mount(Static("No recorded changes yet."))
        return
    await log.mount_all(Static(event_content(e), classes="license-event") for e in page.items)
    if page.has_more:
        await log.mount(
            Static(
                f"(the {HISTORY_PAGE} newest events; `orderview history ORDER_ID` prints them all)",
                markup=False,
            )
        )
