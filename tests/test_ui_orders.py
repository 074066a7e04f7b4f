"""Orders screen: search as you type, open orders, page the newest orders, quit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from orderview.screens import orders as orders_screen
from orderview.screens.orders import OrdersScreen
from orderview.widgets.still_input import StillInput

from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, wait_for


async def seed(db):
    acme = await f.add_customer(db, email="ops@acme.example", company_name="ACME Corp")
    await f.add_order(db, "ORD-1001", reference="PO-77", customer_id=acme)
    await f.add_order(db, "ORD-1002", created_at=f.T0 + timedelta(hours=1))
    await f.add_order(db, "XYZ-9", created_at=f.T0 + timedelta(hours=2), is_test=True)


@pytest.fixture
async def app(sqlite_db):
    """The seeded database, and the app opening on the orders list (most tests start there)."""
    await seed(sqlite_db)
    return make_app(sqlite_db)


async def bulk_orders(db) -> None:
    """120 orders BULK-0000 … BULK-0119, a minute apart: more than two pages."""
    for i in range(120):
        await f.add_order(db, f"BULK-{i:04d}", created_at=f.T0 + timedelta(minutes=i))


async def page_to_the_end(pilot, screen) -> list[str]:
    """Move into the 50 rows shown and to their end twice: the second and last pages load;
    returns the Order IDs listed then."""
    await pilot.press("down", "end")
    await wait_for(pilot, lambda: screen.table.row_count == 100, what="second page")
    await pilot.press("end")
    await wait_for(pilot, lambda: screen.table.row_count == 120, what="last page")
    assert not screen.has_more
    return [s.store_id for s in screen.results]


async def test_empty_query_lists_newest_orders_first(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        assert [s.store_id for s in screen.results] == ["XYZ-9", "ORD-1002", "ORD-1001"]
        assert isinstance(app.focused, StillInput)
        assert app.focused.cursor_blink is False
        assert screen.status.text == "newest 3 orders"


async def test_typing_searches_and_enter_opens_top_result(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press(*"acme")
        await wait_for(pilot, lambda: screen.query_text == "acme", what="search")
        assert [s.store_id for s in screen.results] == ["ORD-1001"]
        assert screen.table.row_count == 1
        assert "1 order matches “acme”" in screen.status.text
        await pilot.press("enter")
        assert (await loaded_order(pilot, app)).detail.store_id == "ORD-1001"


async def test_enter_typed_before_results_arrive_opens_the_new_top_result(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 3)
        await pilot.press(*"xyz", "enter")  # no pause: the search is still debouncing
        assert (await loaded_order(pilot, app)).detail.store_id == "XYZ-9"


async def test_enter_ends_the_debounce(sqlite_db, app, monkeypatch) -> None:
    """Typing waits out the debounce before searching; enter says the text is complete and
    searches at once (an Order ID and enter typed at start: time to interactive)."""
    monkeypatch.setattr(orders_screen, "DEBOUNCE", 60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press(*"acme")
        await pilot.pause(0.3)
        assert screen.query_text == "" and screen.table.row_count == 3  # still debouncing
        await pilot.press("enter")
        assert (await loaded_order(pilot, app)).detail.store_id == "ORD-1001"


async def test_down_moves_into_table_and_enter_opens_that_row(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("down")
        assert app.focused is screen.table
        await pilot.press("down", "enter")  # second row: ORD-1002
        assert (await loaded_order(pilot, app)).detail.store_id == "ORD-1002"
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("slash")
        assert app.focused is screen.query_one("#search")
        await pilot.press("down")
        assert app.focused is screen.table
        await pilot.press("escape")  # from the table back to the search box
        assert app.focused is screen.query_one("#search")


async def test_no_match_says_so(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press(*"nothing-like-this")
        await wait_for(pilot, lambda: screen.query_text == "nothing-like-this")
        assert screen.table.row_count == 0
        assert screen.status.text == "no match for “nothing-like-this”"
        await pilot.press("enter")  # nothing to open: stays here
        await pilot.pause()
        assert app.screen is screen


async def test_newest_orders_page_by_keyset_as_the_cursor_nears_the_end(sqlite_db) -> None:
    await bulk_orders(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 50)
        assert screen.has_more
        ids = await page_to_the_end(pilot, screen)
        assert ids == [f"BULK-{i:04d}" for i in range(119, -1, -1)]  # no gaps, no repeats


async def test_q_quits_from_the_orders_screen(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 3)
        await pilot.press("q")  # typed into the search box: it is a letter there
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#search").value == "q"
        await pilot.press("backspace", "down", "q")
        await pilot.pause()
        assert not app.is_running


async def test_orders_screen_fits_80x24(sqlite_db) -> None:
    await seed(sqlite_db)
    wide = await f.add_customer(
        sqlite_db,
        email="w@example.com",
        company_name="Reverse \u202eLtd\u202c " + "Very Long Name " * 5,
    )
    await f.add_order(
        sqlite_db,
        "CRM-2026-0000001",
        reference="PO-123456789-XYZ",
        customer_id=wide,
        is_test=True,
        is_trial=True,
        created_at=f.T0 - timedelta(days=1),
    )
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 4)
        text = screen_text(app)
        for needed in (
            "Order ID",
            "Reference",
            "Customer",
            "Created UTC",
            "ORD-1001",
            "PO-77",
            "ACME Corp",
            "2026-01-15",
            "test/trial",
            "2026-01-14",
        ):
            assert needed in text
        assert app.screen.table.virtual_size.width <= 80  # no column pushed off screen


async def test_question_mark_in_the_empty_search_box_opens_help(sqlite_db) -> None:
    """Operators press ? first thing; the search box has focus then. Once text is typed, ? and
    / are ordinary characters of the search."""
    from orderview.screens.help import HelpScreen

    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        search = screen.query_one("#search", StillInput)
        assert app.focused is search
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert search.value == ""
        # q is typed in the search box, but it is this screen's key: help says where it works
        keys = {(k.key, k.description, k.where) for k in app.screen.keys}
        assert ("q", "Quit", "not in text box") in keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back")
        await pilot.press("slash")  # already in the search box: stays empty
        await pilot.pause()
        assert search.value == "" and app.focused is search
        await pilot.press(*"ab?/")
        await pilot.pause()
        assert search.value == "ab?/"
        assert app.screen is screen


async def test_search_results_load_more_at_the_end(sqlite_db) -> None:
    """A search with more than one page of matches loads the rest as the cursor reaches the
    end of what is shown, with no repeats."""
    await bulk_orders(sqlite_db)
    await f.add_order(sqlite_db, "OTHER-1")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 50)
        await pilot.press(*"bulk")
        await wait_for(
            pilot, lambda: screen.query_text == "bulk" and not screen._searching, what="search"
        )
        assert screen.table.row_count == 50 and screen.has_more
        assert "more below" in screen.status.text
        ids = await page_to_the_end(pilot, screen)
        assert sorted(ids) == [f"BULK-{i:04d}" for i in range(120)]  # no gaps, no repeats
        assert screen.status.text == "120 orders match “bulk”"


async def test_back_from_an_edited_order_shows_its_row_anew(sqlite_db, app) -> None:
    """Saved a new reference, pressed esc: the results show it, the cursor on that order."""
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await wait_for(pilot, lambda: home.table.row_count == 3)
        await pilot.press("down", "down", "enter")  # the second row: ORD-1002
        screen = await loaded_order(pilot, app, what="order")
        assert screen.detail.store_id == "ORD-1002"
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen is not screen, what="edit dialog")
        await pilot.press(*"PO-NEW", "ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.reference == "PO-NEW",
            what="saved",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home, what="back")
        await wait_for(
            pilot, lambda: any(s.reference == "PO-NEW" for s in home.results), what="refreshed row"
        )
        await wait_for(pilot, lambda: "PO-NEW" in screen_text(app), what="shown")
        assert home.results[home.table.cursor_row].store_id == "ORD-1002"
