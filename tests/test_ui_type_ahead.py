"""Keys typed ahead of a screen change, in one burst as a slow SSH link delivers them, reach the
screen they were typed for, in order (``widgets/type_ahead.py``). Before the router each of
these bursts lost its tail: to the old screen's bindings, to the search box, or to a new screen
that had nothing focused yet."""

from __future__ import annotations

from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from textual.widgets import TabbedContent

from tests import factories as f
from tests.test_ui_key_burst import burst, settle, typed
from tests.ui_support import SIZE, loaded_order, make_app, wait_for

ENTER = ("enter", None)
ESCAPE = ("escape", None)


def active_tab(screen: OrderScreen) -> str:
    return screen.query_one("#order-tabs", TabbedContent).active


async def dialog_over_order(pilot, app, key: str, dialog: type) -> None:
    """Press ``key`` on the loaded order screen and wait until ``dialog`` has focus (and, for
    a destructive confirmation, which takes only keys typed after that, is drawn)."""
    await pilot.press(key)
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, dialog)
            and app.focused is not None
            and getattr(app.screen, "shown_at", 0) is not None
        ),
        what=dialog.__name__,
    )


async def test_keys_after_e_are_typed_into_the_edit_dialog(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        burst(app, ("e", "e"), *typed("REF-9"))
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, EditOrderScreen)
                and app.screen.query_one("#reference").value == "REF-9"
            ),
        )
        assert isinstance(app.screen, EditOrderScreen)
        assert app.focused is app.screen.query_one("#reference")
        assert app.focused.value == "REF-9"


async def test_order_id_enter_then_tab_and_action_keys(sqlite_db) -> None:
    """``ORD-2⏎2eR7``: the search opens ORD-2 (its results not back yet when enter arrives),
    then the Customer tab, then Edit order with ``R7`` typed into the reference."""
    await f.add_order(sqlite_db, "ORD-1")
    await f.add_order(sqlite_db, "ORD-2")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrdersScreen) and app.screen.table.row_count == 2,
            what="orders list",
        )
        burst(app, *typed("ORD-2"), ENTER, ("2", "2"), ("e", "e"), *typed("R7"))
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, EditOrderScreen)
                and app.screen.query_one("#reference").value == "R7"
            ),
        )
        order = app.screen_stack[-2]
        assert isinstance(order, OrderScreen) and order.detail is not None
        assert order.detail.store_id == "ORD-2"
        assert active_tab(order) == "customer"
        assert app.screen.query_one("#reference").value == "R7"
        orders = app.screen_stack[-3]
        assert isinstance(orders, OrdersScreen)
        assert orders.query_one("#search").value == "ORD-2"  # nothing typed into the search


async def test_enter_without_a_match_gives_the_keys_back_to_the_search(sqlite_db) -> None:
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrdersScreen) and app.screen.table.row_count == 1,
            what="orders list",
        )
        burst(app, *typed("NOPE"), ENTER, *typed("x"))
        search = app.screen.query_one("#search")
        await settle(pilot, lambda: search.value == "NOPEx")
        assert isinstance(app.screen, OrdersScreen)
        assert search.value == "NOPEx" and app.focused is search


async def test_keys_after_esc_in_a_dialog_reach_the_order_screen(sqlite_db) -> None:
    """esc closes Edit order; ``2`` typed right behind it shows the Customer tab instead of
    being typed into the closing dialog's box."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        order = await loaded_order(pilot, app)
        await dialog_over_order(pilot, app, "e", EditOrderScreen)
        burst(app, ESCAPE, ("2", "2"))
        await settle(pilot, lambda: app.screen is order and active_tab(order) == "customer")
        assert app.screen is order
        assert active_tab(order) == "customer"
        assert not order.detail.reference  # the 2 was not typed into the dialog and saved


async def test_keys_typed_at_a_normal_pace_are_not_delayed_into_the_wrong_place(sqlite_db) -> None:
    """The router only holds keys while a screen change is under way: a key pressed after the
    app went idle goes straight to the focused box, and nothing stays held."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await dialog_over_order(pilot, app, "e", EditOrderScreen)
        await pilot.press("A", "b")
        assert app.focused.value == "Ab"
        assert not app.type_ahead.held and not app.type_ahead.paused


async def test_keys_typed_ahead_through_the_wizard_steps(sqlite_db) -> None:
    """``i↓⏎⏎`` from the order screen: the wizard opens, the second product is chosen (its
    table still loading when the keys arrive), then its default policy, and the entitlements
    step is shown: each key was for the step after the one before it."""
    from orderview.screens.issue_wizard import IssueWizard

    from tests.test_ui_issue_wizard import seed as seed_catalog

    await seed_catalog(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        burst(app, ("i", "i"), ("down", None), ENTER, ENTER)
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, IssueWizard) and app.screen.stack[-1][0] == "entitlements"
            ),
        )
        wizard = app.screen
        assert isinstance(wizard, IssueWizard)
        assert [name for name, _ in wizard.stack] == ["product", "policy", "entitlements"]
        assert wizard.lines[0].product is not None
        assert wizard.lines[0].product.name == "Team Chat"


async def test_keys_after_enter_in_a_wizard_box_go_to_the_next_box(sqlite_db) -> None:
    """``5⏎abc`` in Quantity: enter moves on from the step's handler, which runs after the
    keys behind it reached the box; they wait for it and land in the next box."""
    from tests.test_ui_issue_wizard import seed as seed_catalog
    from tests.test_ui_issue_wizard import wizard_at_entitlements

    await seed_catalog(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        quantity = app.screen.query_one("#quantity")
        quantity.focus()
        await wait_for(pilot, lambda: app.focused is quantity, what="quantity focused")
        burst(app, *typed("5"), ENTER, *typed("ab"), ("backspace", None), *typed("c"))
        keys = app.screen.query_one("#keys")
        await settle(pilot, lambda: keys.text == "ac")
        assert quantity.value == "5"
        assert app.focused is keys and keys.text == "ac"


SLOW_SAVE = 0.4  # seconds: a save over a slow link to a shared PostgreSQL


def slowed(monkeypatch, module, name: str) -> None:
    """Make ``module.name`` (a service the dialog calls) take ``SLOW_SAVE`` longer."""
    import asyncio

    real = getattr(module, name)

    async def slow(*args, **kwargs):
        await asyncio.sleep(SLOW_SAVE)
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


async def test_keys_after_ctrl_s_wait_for_the_save(sqlite_db, monkeypatch) -> None:
    """``R1`` ctrl+s ``2``: the save takes a while; the ``2`` is for the order screen the
    dialog closes to (the Customer tab), not a ``2`` typed into the reference being saved."""
    from orderview.services import order_edit

    await f.add_order(sqlite_db, "ORD-1")
    slowed(monkeypatch, order_edit, "update_order")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        order = await loaded_order(pilot, app)
        await dialog_over_order(pilot, app, "e", EditOrderScreen)
        burst(app, *typed("R1"), ("ctrl+s", None), ("2", "2"))
        # The order screen reloads after the dialog closes, while the held ``2`` is delivered:
        # wait for both (on CI's loaded cores the tab switched before the reload had ended).
        await settle(
            pilot,
            lambda: (
                app.screen is order
                and active_tab(order) == "customer"
                and order.detail.reference == "R1"
            ),
            timeout=10 + SLOW_SAVE,
        )
        assert app.screen is order and order.detail.reference == "R1"
        assert active_tab(order) == "customer"


async def test_keys_after_a_refused_save_stay_in_the_dialog(sqlite_db, monkeypatch) -> None:
    """When the slow save is refused (a bad language tag), the dialog stays open, and the keys
    typed behind ctrl+s are typed into it, in order, after the refusal."""
    from orderview.services import order_edit

    await f.add_order(sqlite_db, "ORD-1")
    slowed(monkeypatch, order_edit, "update_order")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await dialog_over_order(pilot, app, "e", EditOrderScreen)
        dialog = app.screen
        language = dialog.query_one("#language")
        language.focus()
        await pilot.pause()
        burst(
            app,
            *typed("??"),
            ("ctrl+s", None),
            ("backspace", None),
            ("backspace", None),
            *typed("de"),
        )
        await settle(pilot, lambda: language.value == "de", timeout=10 + SLOW_SAVE)
        assert app.screen is dialog and language.value == "de"


async def test_keys_after_enter_in_the_delete_dialog_reach_the_orders_search(
    sqlite_db, monkeypatch
) -> None:
    """``ORD-1⏎ORD-2``: the slow delete ends on the orders screen, where the search box gets
    ``ORD-2`` (it was typed into the closing dialog's confirmation box)."""
    from orderview.screens.delete_order import DeleteOrderScreen

    from orderview.services import deletion

    await f.add_order(sqlite_db, "ORD-1")
    await f.add_order(sqlite_db, "ORD-2")
    slowed(monkeypatch, deletion, "delete_order")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await dialog_over_order(pilot, app, "D", DeleteOrderScreen)
        burst(app, *typed("ORD-1"), ENTER, *typed("ORD-2"))
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, OrdersScreen)
                and app.screen.query_one("#search").value == "ORD-2"
            ),
            timeout=10 + SLOW_SAVE,
        )
        assert isinstance(app.screen, OrdersScreen)
        assert app.screen.query_one("#search").value == "ORD-2"
