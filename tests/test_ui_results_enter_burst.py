"""Down, enter and a tab key typed in one burst on the orders screen: enter opens the order from
the results and the tab key reaches the order screen as soon as it is ready.

Found by the open-order benchmark through a pty (docs/benchmarks.md): enter reached the search
box while it still had the focus (down moves it a moment later), so the box paused the
type-ahead router to open its top match; the order was then opened by the results table
instead, nothing resumed the router, and ``3`` waited the router's ``MAX_HOLD`` (2 s)."""

from __future__ import annotations

import pytest
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from orderview.widgets import type_ahead

from tests import factories as f
from tests.test_ui_key_burst import burst, typed
from tests.ui_support import SIZE, make_app, wait_for


async def test_down_enter_3_in_one_burst_opens_the_licenses_tab_without_a_hold(
    sqlite_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hold that is never released would otherwise end after MAX_HOLD and go unnoticed.
    monkeypatch.setattr(type_ahead, "MAX_HOLD", 60.0)
    await f.add_order(sqlite_db, "ORD-77")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, OrdersScreen) and app.screen.query_one("#search").has_focus
            ),
            what="orders screen",
        )
        burst(app, *typed("ORD-77"))
        await wait_for(
            pilot,
            lambda: (
                [s.store_id for s in app.screen.results] == ["ORD-77"]
                and app.screen.query_text == "ORD-77"
            ),
            what="the search answered",
        )
        burst(app, ("down", None), ("enter", "\r"), ("3", "3"))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="the order screen",
        )
        # The order is open: nothing may keep the router waiting for it any more.
        assert not app.type_ahead.paused
        await wait_for(
            pilot,
            lambda: app.screen.query_one("#order-tabs").active == "licenses",
            what="the Licenses tab",
        )
