"""Issue 15, the orders screen: the results list and its paging follow the search order
(docs/invariants.md 11): newest first within a kind of match, every page continuing the one
before, and enter on a full Order ID typed in another case opens that order."""

from __future__ import annotations

from datetime import timedelta

from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, wait_for


async def test_results_and_their_pages_are_newest_first_among_many_customers(sqlite_db) -> None:
    """120 customers share the prefix "driftwood"; the newest order belongs to the one whose
    name sorts last. The first row was an older order (the customer lookup was cut to the
    first customers by name before ordering by date)."""
    for i in range(120):
        cid = await f.add_customer(
            sqlite_db,
            email=f"buyer{i:03}@driftwood.example",
            first_name="",
            last_name="",
            company_name=f"Driftwood {i:03}",
        )
        await f.add_order(
            sqlite_db, f"SHOP-{i:04}", customer_id=cid, created_at=f.T0 + timedelta(minutes=i // 2)
        )  # ties in pairs
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.table.row_count == 50)
        await pilot.press(*"driftwood")
        await wait_for(
            pilot, lambda: screen.query_text == "driftwood" and not screen._searching, what="search"
        )
        newest_first = [f"SHOP-{i:04}" for i in range(119, -1, -1)]  # ties: highest id first
        assert [s.store_id for s in screen.results] == newest_first[:50] and screen.has_more
        await pilot.press("down", "end")
        await wait_for(pilot, lambda: screen.table.row_count == 100, what="second page")
        await pilot.press("end")
        await wait_for(pilot, lambda: screen.table.row_count == 120, what="last page")
        assert [s.store_id for s in screen.results] == newest_first and not screen.has_more


async def test_enter_on_an_order_id_in_another_case_opens_that_order(sqlite_db) -> None:
    await f.add_order(sqlite_db, "My-Order-1")
    await f.add_order(sqlite_db, "MY-ORDER-10", created_at=f.T0 + timedelta(days=1))
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 2)
        await pilot.press(*"MY-ORDER-1", "enter")
        assert (await loaded_order(pilot, app)).detail.store_id == "My-Order-1"


async def test_open_finds_the_order_by_its_order_id_in_another_case(sqlite_db) -> None:
    """``orderview open my-order-1`` opens MY-ORDER-1 (the app's start by Order ID)."""
    await f.add_order(sqlite_db, "MY-ORDER-1")
    app = make_app(sqlite_db, open_store_id="my-order-1")
    async with app.run_test(size=SIZE) as pilot:
        assert (await loaded_order(pilot, app)).detail.store_id == "MY-ORDER-1"
