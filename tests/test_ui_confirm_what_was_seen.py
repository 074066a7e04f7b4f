"""The Delete order dialog and the Remove manager confirmation, driven by keys: when another desk
changes what they showed before the operator confirms, nothing is done and the dialog shows the
new preview (issue 16, section 3)."""

from __future__ import annotations

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.orders import OrdersScreen
from sqlalchemy import func, select
from textual.widgets import Button, Static

from orderview.db.models import License, Order, OrderManager
from orderview.schemas.issuing import LineInput
from orderview.services import issuing, manager_invites, managers
from orderview.settings import Settings
from tests import factories as f
from tests.test_ui_managers import open_managers_tab
from tests.ui_support import SIZE, loaded_order, make_app, open_dialog, screen_text, wait_for

MAIL = Settings(smtp_host="mail.invalid")


async def count(db, model, *where) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_delete_dialog_shows_the_new_preview_and_deletes_nothing(sqlite_db) -> None:
    db = sqlite_db
    product, policy = await f.add_product(db)
    order = await f.add_order(db, "ORD-1001")
    await f.add_licenses(db, order, product, 1, policy)
    app = make_app(db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "delete dialog")
        await wait_for(pilot, lambda: dialog.preview is not None, what="preview read")
        assert "1 license and 0 license manager assignments" in text_of(dialog, "#delete-what")

        # Another desk, while the operator types the Order ID:
        await issuing.issue_licenses(
            db, "bob", order, [LineInput(product_id=product, quantity=1000)]
        )
        await f.add_manager(db, order, "late@example.com")

        await pilot.press(*"ORD-1001", "enter")
        await wait_for(
            pilot,
            lambda: "changed after this dialog showed it" in text_of(dialog, "#delete-message"),
            what="the refusal",
        )
        assert app.screen is dialog and not dialog.blocked
        what = text_of(dialog, "#delete-what")
        assert "1,001 licenses and 1 license manager assignment" in what
        message = text_of(dialog, "#delete-message")
        assert "licenses 1 → 1,001; license manager assignments 0 → 1" in message
        assert "type the Order ID again" in message
        assert dialog.query_one("#delete-confirm").value == ""
        assert dialog.query_one("#delete", Button).disabled
        assert "1,001 licenses" in screen_text(app)
        assert await count(db, License, License.order_id == order) == 1001
        assert await count(db, OrderManager, OrderManager.order_id == order) == 1

        # Typed again for what it shows now, it deletes.
        await pilot.press(*"ORD-1001", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="deleted")
    assert await count(db, Order, Order.id == order) == 0
    assert await count(db, License, License.order_id == order) == 0


async def test_remove_manager_asks_again_with_their_new_state(sqlite_db) -> None:
    db = sqlite_db
    order = await f.add_order(db, "ORD-1")
    added = await managers.add_manager(
        db, MAIL, order, {"email": "m@example.com", "send_invite": False}, actor="a"
    )
    app = make_app(db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_managers_tab(app, pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        first = app.screen
        assert "Signed in: not yet" in screen_text(app)
        assert "unsent email" not in screen_text(app)

        # Another desk sends them a new password before the operator answers.
        await manager_invites.resend_invite(
            db, MAIL, added.assignment_id, version=None, actor="bob"
        )

        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not first,
            what="asked again",
        )
        shown = screen_text(app)
        assert "changed after you were asked" in shown
        assert "1 unsent email(s) to them about this order are cancelled" in shown
        assert await count(db, OrderManager, OrderManager.id == added.assignment_id) == 1

        await pilot.press("y")
        await wait_for(pilot, lambda: pane.table.row_count == 0, what="removed")
    assert await count(db, OrderManager, OrderManager.id == added.assignment_id) == 0


async def test_delete_dialog_says_what_changed_since_the_order_was_loaded(sqlite_db) -> None:
    """The order screen is a snapshot; the dialog re-reads when it opens and says so when the
    counts it would have shown from the snapshot are out of date."""
    db = sqlite_db
    product, policy = await f.add_product(db)
    order = await f.add_order(db, "ORD-1001")
    await f.add_licenses(db, order, product, 1, policy)
    app = make_app(db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await f.add_licenses(db, order, product, 5, policy)  # another desk, after the load
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "delete dialog")
        await wait_for(pilot, lambda: dialog.preview is not None, what="preview read")
        assert "6 licenses" in text_of(dialog, "#delete-what")
        assert "Changed since the order was loaded (licenses 1 → 6)" in text_of(
            dialog, "#delete-message"
        )
        await pilot.press(*"ORD-1001", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="deleted")
    assert await count(db, License, License.order_id == order) == 0
