"""Export and Delete order dialogs, driven by keys at 80×24, checked on widgets and the DB."""

from __future__ import annotations

import asyncio
import csv
import os
import stat
from pathlib import Path

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.export_dialog import ExportScreen
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from sqlalchemy import func, select, update
from textual.widgets import Button, Static

from orderview import export
from orderview.app import OrderviewApp
from orderview.db.models import AuditEvent, Customer, License, LicenseManager, Order, OrderManager
from orderview.services import audit, deletion
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, open_dialog, screen_text, wait_for


def notices(app: OrderviewApp) -> list[str]:
    return [n.message for n in app._notifications]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def count(db, model, *where) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def seed(db, licenses: int = 3) -> int:
    product, _ = await f.add_product(db)
    customer = await f.add_customer(db, company_name="ACME [b]Ltd[/b]")
    order = await f.add_order(db, "ORD-1001", customer_id=customer)
    await f.add_licenses(db, order, product, licenses)
    await f.add_manager(db, order)
    return order


@pytest.fixture
async def order(sqlite_db) -> int:
    """The seeded order ORD-1001 (three licenses, a customer, a manager): its id."""
    return await seed(sqlite_db)


@pytest.fixture
def app(sqlite_db, order: int) -> OrderviewApp:
    """The app opening on the seeded order (most tests here start there)."""
    return make_app(sqlite_db, "ORD-1001")


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


# -- Export -----------------------------------------------------------------------------------


async def test_x_exports_the_order_to_the_prefilled_path(sqlite_db, out: Path, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        name = export.default_filename("ORD-1001")
        assert dialog.query_one("#export-path").value == name
        assert app.focused is dialog.query_one("#export-path")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
        assert any(f"3 rows written to {out / name}" in m for m in notices(app))
    assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    with (out / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and {r["customer__company_name"] for r in rows} == {"ACME [b]Ltd[/b]"}
    assert os.listdir(out) == [name]


async def test_existing_file_needs_a_second_confirmation(sqlite_db, out: Path) -> None:
    await seed(sqlite_db, licenses=2)
    name = export.default_filename("ORD-1001")
    (out / name).write_text("older export")
    app = make_app(sqlite_db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        assert "already exists" in text_of(app.screen, "#confirm-question")
        # The question's line breaks are line breaks, not visible "␊" stand-ins.
        shown = screen_text(app)
        assert "␊" not in shown and "Overwrite it?" in shown
        await pilot.press("n")
        await wait_for(
            pilot,
            lambda: app.screen is dialog and dialog.query_one("#export-error").has_class("-shown"),
            what="refusal shown",
        )
        assert "Not written" in text_of(dialog, "#export-error")
        assert (out / name).read_text() == "older export"

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
    assert (out / name).read_text(encoding="utf-8").startswith("order__store_id,")
    assert os.listdir(out) == [name]


async def test_export_error_is_shown_in_the_dialog(sqlite_db, out: Path, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        await pilot.press("ctrl+u", *"nodir/x.csv", "enter")
        await wait_for(
            pilot, lambda: dialog.query_one("#export-error").has_class("-shown"), what="error shown"
        )
        assert app.screen is dialog
        message = text_of(dialog, "#export-error")
        assert (
            message == f"Not written: cannot write {out / 'nodir' / 'x.csv'}: "
            "the directory does not exist"
        )
        assert os.listdir(out) == []
        # The operator creates the directory elsewhere; enter again in the same dialog writes.
        (out / "nodir").mkdir()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
        assert any(f"written to {out / 'nodir' / 'x.csv'}" in m for m in notices(app))
    assert os.listdir(out / "nodir") == ["x.csv"]


async def test_progress_line_is_throttled(sqlite_db, out: Path, monkeypatch) -> None:
    await seed(sqlite_db, licenses=600)
    monkeypatch.setattr(export, "PAGE_SIZE", 10)  # 60 pages
    app = make_app(sqlite_db, "ORD-1001")
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        status = app.screen.query_one("#export-status")
        original = status.set_status
        status.set_status = lambda text: (seen.append(text), original(text))[1]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
    progress = [s for s in seen if "rows (" in s]
    assert progress[-1] == "Exporting… 600 of 600 rows (100%) · esc cancels"
    assert len(progress) < 10  # a few a second, not one per page
    with (out / export.default_filename("ORD-1001")).open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 601


async def test_escape_during_export_cancels_and_leaves_nothing(
    sqlite_db, out: Path, monkeypatch
) -> None:
    await seed(sqlite_db, licenses=30)
    monkeypatch.setattr(export, "PAGE_SIZE", 10)
    first_page = asyncio.Event()
    real_iter_pages = export.iter_pages

    async def stalling_pages(*args, **kwargs):
        async for page in real_iter_pages(*args, **kwargs):
            yield page
            first_page.set()
            await asyncio.Event().wait()  # a slow database: the operator gives up

    monkeypatch.setattr(export, "iter_pages", stalling_pages)
    app = make_app(sqlite_db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await open_dialog(pilot, app, "x", ExportScreen, "export dialog")
        await pilot.press("enter")
        await wait_for(pilot, first_page.is_set, what="export started")
        assert next(p.name for p in out.iterdir()).endswith(".part")  # being written
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="dialog closed")
        await wait_for(pilot, lambda: not list(out.iterdir()), what="temporary file removed")
        assert "Export cancelled: nothing was written." in notices(app)


# -- Delete -----------------------------------------------------------------------------------


async def test_delete_gate_then_delete(db) -> None:
    order = await seed(db)
    cid = await db_scalar(db, select(Order.customer_id).where(Order.id == order))
    app = make_app(db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "dialog")
        what = text_of(dialog, "#delete-what")
        assert "ORD-1001" in what and "ACME [b]Ltd[/b]" in what and "ada@example.com" in what
        assert "3 licenses" in what and "1 license manager assignment" in what
        assert "cannot be undone" in what
        assert app.focused is dialog.query_one("#delete-confirm")
        button = dialog.query_one("#delete", Button)
        assert button.disabled

        await pilot.press(*"ORD-100", "enter")  # not the Order ID: nothing happens
        await pilot.pause()
        assert app.screen is dialog and button.disabled
        assert "type the Order ID exactly: ORD-1001" in text_of(dialog, "#delete-message")
        assert await count(db, Order, Order.id == order) == 1

        await pilot.press("1")
        await pilot.pause()
        assert not button.disabled
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders screen")
        assert any("Order ORD-1001 deleted with 3 licenses" in m for m in notices(app))
        orders_screen = app.screen
        await wait_for(
            pilot,
            lambda: "ORD-1001" not in [s.store_id for s in orders_screen.results],
            what="search refreshed",
        )
        await pilot.press(*"ORD-1001")
        await wait_for(pilot, lambda: orders_screen.query_text == "ORD-1001", what="searched")
        assert orders_screen.results == []

    assert await count(db, Order, Order.id == order) == 0
    assert await count(db, License, License.order_id == order) == 0
    assert await count(db, OrderManager, OrderManager.order_id == order) == 0
    assert await count(db, Customer, Customer.id == cid) == 1
    assert await count(db, LicenseManager) == 1
    assert (
        await count(
            db,
            AuditEvent,
            AuditEvent.order_id == order,
            AuditEvent.action == "deleted",
            AuditEvent.operator == "tester",
        )
        == 1
    )


async def db_scalar(db, query):
    async with db.sessions() as s:
        return await s.scalar(query)


async def test_delete_button_and_escape(sqlite_db, order, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await open_dialog(pilot, app, "D", DeleteOrderScreen, "dialog")
        await pilot.press(*"ORD-1001")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="cancelled")
        assert await count(sqlite_db, Order, Order.id == order) == 1

        # the Delete button works too, by keys: tab to it, enter
        await open_dialog(pilot, app, "D", DeleteOrderScreen, "dialog")
        await pilot.press(*"ORD-1001", "tab")
        assert app.focused is app.screen.query_one("#delete")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders screen")
    assert await count(sqlite_db, Order, Order.id == order) == 0


async def test_changed_meanwhile_is_said_and_nothing_deleted(db) -> None:
    order = await seed(db)
    app = make_app(db, "ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "dialog")
        await pilot.pause()
        async with db.write() as s:  # carol edits the order while the dialog is open
            await s.execute(update(Order).where(Order.id == order).values(version=2))
            audit.record(
                s,
                actor="carol",
                action="updated",
                entity="order",
                entity_id=order,
                entity_version=2,
                order_id=order,
                changes={"reference": ["", "PO"]},
            )
        await pilot.press(*"ORD-1001", "enter")
        await wait_for(pilot, lambda: dialog.blocked, what="conflict shown")
        message = text_of(dialog, "#delete-message")
        assert "changed after you opened it" in message and "carol" in message
        assert "Nothing was deleted" in message
        assert dialog.query_one("#delete", Button).disabled
        await pilot.press("enter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back")
    assert await count(db, Order, Order.id == order) == 1
    assert await count(db, License, License.order_id == order) == 3


async def test_deleted_meanwhile_is_said_when_the_dialog_opens(sqlite_db, order, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await deletion.delete_order(
            sqlite_db,
            "dave",
            order,
            1,
            fingerprint=(await deletion.deletion_preview(sqlite_db, order)).fingerprint,
        )
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "dialog")
        await wait_for(pilot, lambda: dialog.blocked, what="deleted shown")
        assert "deleted by someone else" in text_of(dialog, "#delete-message")
        await pilot.press(*"ORD-1001", "enter")
        await pilot.pause()
        assert app.screen is dialog and dialog.query_one("#delete", Button).disabled
    assert await count(sqlite_db, AuditEvent, AuditEvent.action == "deleted") == 1
