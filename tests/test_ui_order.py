"""Order screen: open, tabs 1–4 (lazily mounted), paging licenses, reload, back, help."""

from __future__ import annotations

from datetime import date

from orderview.screens.help import HelpScreen
from orderview.screens.order import OrderScreen
from orderview.screens.order_tabs import licenses as licenses_tab
from orderview.screens.orders import OrdersScreen
from orderview.widgets.literal_table import LiteralTable
from sqlalchemy import update

from orderview.db.models import Order
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, wait_for


async def seed(db, licenses: int = 0) -> int:
    product, _ = await f.add_product(db)
    customer = await f.add_customer(db, created_at=f.T0, updated_at=f.T0)
    order = await f.add_order(
        db,
        "ORD-1001",
        reference="PO-77",
        customer_id=customer,
        campaign_params="cpg=web,src=google.com",
        language="en",
    )
    if licenses:
        await f.add_licenses(db, order, product, licenses, validity_period=date(2099, 1, 1))
    await f.add_manager(db, order, permissions=["manage_license_users", "reset_device"])
    return order


async def open_order(pilot, app, store_id: str = "ORD-1001") -> OrderScreen:
    await wait_for(pilot, lambda: app.screen.table.row_count > 0)
    await pilot.press(*store_id, "enter")
    return await loaded_order(pilot, app)


async def licenses_pane(pilot, screen: OrderScreen, rows: int):
    """Switch to the Licenses tab (3) and wait for its first ``rows`` rows."""
    await pilot.press("3")
    await wait_for(
        pilot,
        lambda: (
            screen.pane("licenses") is not None and screen.pane("licenses").table.row_count == rows
        ),
    )
    return screen.pane("licenses")


async def test_tabs_switch_with_1_to_4_and_mount_lazily(sqlite_db) -> None:
    await seed(sqlite_db, licenses=3)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        await wait_for(pilot, lambda: screen.pane("details") is not None)
        assert screen.pane("licenses") is None and screen.pane("managers") is None
        text = screen_text(app)
        assert "Order ORD-1001" in text and "Analytical Engines Ltd" in text
        assert "3 licenses" in text and "1 manager" in text
        assert "cpg=web,src=google.com" in text and "2026-01-15 09:30:00 UTC" in text

        await licenses_pane(pilot, screen, 3)
        assert screen.query_one("#order-tabs").active == "licenses"
        assert isinstance(app.focused, LiteralTable)  # keys below reach the screen from here

        await pilot.press("2")
        await wait_for(pilot, lambda: screen.pane("customer") is not None)
        assert screen.query_one("#order-tabs").active == "customer"
        assert "ada@example.com" in screen_text(app)

        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                screen.pane("managers") is not None and screen.pane("managers").table.row_count == 1
            ),
        )
        text = screen_text(app)
        assert "mgr@example.com" in text and "Manage license users, Reset device" in text
        assert "not invited" in text

        await pilot.press("1")
        assert screen.query_one("#order-tabs").active == "details"
        await pilot.press("escape")
        assert isinstance(app.screen, OrdersScreen)


async def test_no_customer_state(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-LONE")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app, "ORD-LONE")
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.pane("customer") is not None)
        await pilot.pause()
        assert "No customer: this order is not linked to a customer. c adds one" in screen_text(app)
        await pilot.press("4")
        await wait_for(pilot, lambda: screen.pane("managers") is not None)
        await wait_for(pilot, lambda: "No license managers" in screen_text(app))


async def test_license_table_pages_from_the_database(sqlite_db) -> None:
    await seed(sqlite_db, licenses=250)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        pane = await licenses_pane(pilot, screen, licenses_tab.PAGE)
        assert pane.query_one("#licenses-status").text == (
            "showing 1–100 of 250 licenses · dates UTC · f/l first/last"
        )
        for _ in range(8):
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: pane.table.row_count == 200, what="second page")
        await pilot.press("G")
        await wait_for(pilot, lambda: pane.table.row_count == 250, what="last page")
        assert not pane.has_after
        assert [r.id for r in pane.rows] == sorted(r.id for r in pane.rows)
        assert len({r.id for r in pane.rows}) == 250
        await wait_for(
            pilot,
            lambda: (
                pane.query_one("#licenses-status").text
                == "showing 1–250 of 250 licenses · dates UTC"
            ),
        )


async def test_license_window_stays_bounded_both_ways(sqlite_db, monkeypatch) -> None:
    monkeypatch.setattr(licenses_tab, "PAGE", 10)
    monkeypatch.setattr(licenses_tab, "WINDOW", 30)
    monkeypatch.setattr(licenses_tab, "NEAR", 3)
    order = await seed(sqlite_db, licenses=70)
    async with sqlite_db.sessions() as s:
        from sqlalchemy import select

        from orderview.db.models import License

        all_ids = list(
            await s.scalars(
                select(License.id).where(License.order_id == order).order_by(License.id)
            )
        )
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        pane = await licenses_pane(pilot, screen, 10)
        for _ in range(8):  # walk to the end of the order, a page at a time
            await pilot.press("G")
            await wait_for(pilot, lambda: not pane._fetching)
        await wait_for(pilot, lambda: not pane.has_after, what="end of the order")
        assert pane.table.row_count <= 30
        assert [r.id for r in pane.rows] == all_ids[-len(pane.rows) :]
        assert pane.start == 70 - len(pane.rows)
        selected = pane.selected_license()
        assert selected is not None and selected.id == all_ids[-1]
        for _ in range(8):  # and back to the start
            await pilot.press("g")
            await wait_for(pilot, lambda: not pane._fetching)
        await wait_for(pilot, lambda: pane.start == 0, what="start of the order")
        assert [r.id for r in pane.rows] == all_ids[: len(pane.rows)]
        assert pane.table.row_count <= 30


async def test_ctrl_r_reloads_what_changed_in_the_database(sqlite_db) -> None:
    order = await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        assert screen.detail.reference == "PO-77"
        async with sqlite_db.sessions.begin() as s:
            await s.execute(
                update(Order)
                .where(Order.id == order)
                .values(reference="PO-88", version=Order.version + 1)
            )
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.detail.reference == "PO-88", what="reload")
        assert screen.detail.version == 2
        await wait_for(pilot, lambda: "PO-88" in screen_text(app))


async def test_open_store_id_starts_on_the_order_with_orders_underneath(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        assert app.screen.detail.store_id == "ORD-1001"
        await pilot.press("escape")
        assert isinstance(app.screen, OrdersScreen)


async def test_help_lists_every_binding_of_the_current_screen(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = {(k.key, k.description) for k in app.screen.keys}
        for expected in [
            ("esc", "Back to the orders"),
            ("1", "Details"),
            ("2", "Customer"),
            ("3", "Licenses"),
            ("4", "Managers"),
            ("^r", "Reload the order"),
            ("e", "Edit the order"),
            ("h", "History of the order (audit trail)"),
        ]:
            assert expected in keys
        assert app.screen.query_one(LiteralTable).row_count == len(app.screen.keys)
        await pilot.press("escape")
        assert app.screen is screen

        # Bindings added later (as the issue tasks do) appear without touching help.
        screen._bindings.bind("z", "app.bell", "Ring the bell")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert ("z", "Ring the bell") in {(k.key, k.description) for k in app.screen.keys}


async def test_license_window_can_start_anywhere_and_says_where(sqlite_db) -> None:
    order = await seed(sqlite_db, licenses=250)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        pane = await licenses_pane(pilot, screen, licenses_tab.PAGE)
        ids = [r.id for r in pane.rows]
        pane.start_at(ids[41])  # e.g. the first license just issued is the 43rd
        # The cursor sits at the window's top edge, so the page before it is fetched too; the
        # cursor stays on the same license and the status line says where the window is.
        await wait_for(
            pilot,
            lambda: (
                pane.start == 0 and not pane._fetching and pane.selected_license().id == ids[42]
            ),
        )
        assert [r.id for r in pane.rows][:100] == ids and len(pane.rows) == 142
        await wait_for(
            pilot,
            lambda: (
                pane.query_one("#licenses-status").text
                == f"showing 1–{len(pane.rows)} of 250 licenses · dates UTC · f/l first/last"
            ),
        )
        from orderview.services.orders import count_licenses

        assert await count_licenses(sqlite_db, order, up_to_id=ids[41]) == 42


async def test_first_and_last_license_keys_jump_through_the_whole_order(
    sqlite_db, monkeypatch
) -> None:
    monkeypatch.setattr(licenses_tab, "PAGE", 20)
    await seed(sqlite_db, licenses=250)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        pane = await licenses_pane(pilot, screen, 20)
        first_id = pane.rows[0].id
        await pilot.press("l")
        await wait_for(pilot, lambda: not pane._fetching and pane.start == 230)
        assert pane.selected_license().id == first_id + 249
        assert not pane.has_after
        await wait_for(
            pilot,
            lambda: (
                pane.query_one("#licenses-status").text
                == "showing 231–250 of 250 licenses · dates UTC · f/l first/last"
            ),
        )
        await pilot.press("up", "up")  # moving up from the end pages backwards by keyset
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: (
                not pane._fetching and pane.start == 0 and pane.selected_license().id == first_id
            ),
        )


async def test_search_open_and_page_on_both_databases(db, monkeypatch) -> None:
    monkeypatch.setattr(licenses_tab, "PAGE", 20)
    order = await seed(db, licenses=0)
    product, _ = await f.add_product(db, code="KEYS", name="Keyed")
    keys = [f"TEST-{i:04d}-AAAA-BBBB" for i in range(60)]
    await f.add_licenses(db, order, product, 60, keys=keys)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 1)
        await pilot.press(*"test-0042", "enter")  # a license key finds its order
        screen = await loaded_order(pilot, app)
        assert screen.detail.license_count == 60
        pane = await licenses_pane(pilot, screen, 20)
        await pilot.press("l")
        await wait_for(pilot, lambda: not pane._fetching and pane.start == 40)
        assert pane.selected_license().license_key == keys[-1]
        await pilot.press("G", "up")
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: (
                not pane._fetching
                and pane.start == 0
                and pane.selected_license().license_key == keys[0]
            ),
        )


async def test_a_reload_never_cancels_a_license_page_query_in_flight(
    sqlite_db, monkeypatch
) -> None:
    """ctrl+r while the next page of licenses is being fetched: the fetch finishes cleanly (its
    connection is not torn down mid-query), its stale result is dropped, the reload wins and
    the tab is not left busy."""
    import asyncio

    from orderview.services import license_query

    await seed(sqlite_db, licenses=250)
    real = license_query.page_filtered
    gate = asyncio.Event()
    calls: list[str] = []

    async def slow_page(db, order_id, *args, **kwargs):
        if kwargs.get("after") is not None and not gate.is_set() and "held" not in calls:
            calls.append("held")
            try:
                await gate.wait()
            except asyncio.CancelledError:
                calls.append("cancelled mid-query")
                raise
            calls.append("finished")
        return await real(db, order_id, *args, **kwargs)

    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_order(pilot, app)
        pane = await licenses_pane(pilot, screen, licenses_tab.PAGE)
        monkeypatch.setattr(license_query, "page_filtered", slow_page)
        await pilot.press("G")  # near the end of the window: the next page is requested
        await wait_for(pilot, lambda: "held" in calls, what="page fetch in flight")
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        gate.set()
        await wait_for(pilot, lambda: "finished" in calls, what="the held query to finish")
        await wait_for(pilot, lambda: not pane._fetching, what="idle")
        assert "cancelled mid-query" not in calls
        ids = [r.id for r in pane.rows]
        assert ids == sorted(set(ids)) and pane.table.row_count == len(ids)
        # The cursor still sits at the end of the window: the page it asked for is fetched.
        await wait_for(pilot, lambda: pane.table.row_count == 200, what="the next page")
        await pilot.press("G")
        await wait_for(pilot, lambda: pane.table.row_count == 250, what="paging still works")


async def test_footer_shows_every_order_key_at_80_columns(sqlite_db) -> None:
    """The footer is where operators look for keys: at 80x24 none of the order's actions (nor
    help) may be pushed off its right end, on the details, customer and licenses tabs."""
    await seed(sqlite_db, licenses=150)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_order(pilot, app)
        for tab in ("1", "2", "3"):
            await pilot.press(tab)
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: "D Delete" in screen_text(app).splitlines()[-1],
                what=f"footer on tab {tab}",
            )
            footer = screen_text(app).splitlines()[-1]
            for key in (
                "e Edit",
                "c Customer",
                "h History",
                "i Issue",
                "x Export",
                "D Delete",
                "? Help",
                "^p palette",
            ):
                assert key in footer, (tab, footer)
        # The managers tab's own keys push the order's off the end: none may show through
        # right of the docked palette key (compact footers give it a margin there).
        await pilot.press("4")
        await wait_for(pilot, lambda: "a Add" in screen_text(app).splitlines()[-1], what="tab 4")
        assert screen_text(app).splitlines()[-1].rstrip().endswith("^p palette")


async def test_help_shows_key_action_and_where_whole_at_80_columns(sqlite_db) -> None:
    """The Where column used to fall off the right of the help at 80 columns."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_order(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "Where" in screen_text(app), what="Where column")
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "Customer: pick, create, edit or unlink" in line)
        assert row.split("unlink")[1].strip(" │") == "this screen"
        assert all(len(line) <= SIZE[0] for line in lines)
