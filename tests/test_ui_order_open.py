"""Opening an order fast: its first page of licenses is read with it, the Licenses tab paints the
rows a screen shows first, ``3`` typed before the screen is up still works, and compact literal
cells are what they were."""

from __future__ import annotations

from collections.abc import Iterable

from orderview.screens.order import OrderScreen
from orderview.screens.order_tabs import licenses as licenses_tab
from orderview.widgets.literal_table import LiteralTable, cell
from rich.text import Text

from orderview.services import license_query, orders
from tests.hostile_corpus import CORPUS
from tests.test_ui_order import open_order, seed
from tests.ui_support import SIZE, make_app, screen_text, wait_for


async def test_licenses_tab_shows_the_page_read_with_the_order(sqlite_db, monkeypatch) -> None:
    await seed(sqlite_db, licenses=250)
    reads: list[dict[str, object]] = []
    page_licenses = orders.page_licenses

    async def counted(*args: object, **kwargs: object):
        reads.append(kwargs)
        return await page_licenses(*args, **kwargs)

    page_filtered = license_query.page_filtered

    async def counted_filtered(*args: object, **kwargs: object):
        reads.append(kwargs)
        return await page_filtered(*args, **kwargs)

    monkeypatch.setattr(orders, "page_licenses", counted)
    monkeypatch.setattr(license_query, "page_filtered", counted_filtered)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        assert len(reads) == 1  # with the order, before anyone asked for the tab
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: (
                screen.pane("licenses") is not None
                and screen.pane("licenses").table.row_count == licenses_tab.PAGE
            ),
        )
        assert len(reads) == 1  # the tab did not read again
        pane = screen.pane("licenses")
        assert pane.query_one("#licenses-status").text == (
            "showing 1–100 of 250 licenses · dates UTC · f/l first/last"
        )
        await pilot.press("G")  # paging on from there reads the next page as before
        await wait_for(pilot, lambda: pane.table.row_count == 200, what="second page")
        assert len(reads) == 2


async def test_first_frame_holds_the_rows_a_screen_shows_then_the_window(
    sqlite_db, monkeypatch
) -> None:
    await seed(sqlite_db, licenses=250)
    events: list[tuple[str, int]] = []
    add_rows = LiteralTable.add_literal_rows
    render_lines = LiteralTable.render_lines

    def added(self: LiteralTable, rows: Iterable[tuple[str | None, Iterable[object]]]) -> None:
        rows = list(rows)
        if self.id == "licenses-table":
            events.append(("add", len(rows)))
        add_rows(self, rows)

    def rendered(self: LiteralTable, crop):
        if self.id == "licenses-table" and self.row_count:
            events.append(("paint", self.row_count))
        return render_lines(self, crop)

    monkeypatch.setattr(LiteralTable, "add_literal_rows", added)
    monkeypatch.setattr(LiteralTable, "render_lines", rendered)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: (
                screen.pane("licenses") is not None
                and screen.pane("licenses").table.row_count == licenses_tab.PAGE
            ),
        )
    first = SIZE[1]  # rows that fit the terminal's height at most
    assert events[0] == ("add", first)
    assert events[1] == ("paint", first)  # painted before the rest went in
    assert ("add", licenses_tab.PAGE - first) in events


async def test_tab_typed_before_the_screen_is_up_is_shown(sqlite_db) -> None:
    order = await seed(sqlite_db, licenses=3)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count > 0)
        screen = OrderScreen(order)
        app.push_screen(screen)
        screen.show_tab("licenses")  # before its widgets exist (a fast ``enter 3``)
        await wait_for(
            pilot,
            lambda: (
                screen.pane("licenses") is not None and screen.pane("licenses").table.row_count == 3
            ),
        )
        assert screen.query_one("#order-tabs").active == "licenses"
        assert screen.pane("details") is None  # never asked for
        assert isinstance(app.focused, LiteralTable)


async def test_an_order_gone_before_its_screen_is_up_says_so(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count > 0)
        app.push_screen(OrderScreen(987_654))
        await wait_for(
            pilot,
            lambda: "This order no longer exists" in screen_text(app),
            what="missing order status",
        )


def test_compact_cells_are_the_joined_text_they_were() -> None:
    table = LiteralTable(max_cell=40, compact=True)
    for _, value in [*CORPUS, ("none", None), ("number", 42), ("empty", "")]:
        before = Text(" ") + cell(value, 40)
        now = table.literal_cell(value)
        assert now == before and now.spans == before.spans, value
        assert (now.justify, now.end, now.style) == (before.justify, before.end, before.style)
        # Unlike the joined text, cut by its column it ends with "…" (never silently).
        assert (now.no_wrap, now.overflow) == (True, "ellipsis")
