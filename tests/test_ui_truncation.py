"""Nothing is cut without a visible ``…``, and what is cut can be read in full.

Long product codes, user emails, generated Order IDs and policy names at 80×24 and 100×24: on
screen each value is either whole or a prefix ending in ``…``, every column of its table is on
screen, and with the cursor on its row the status line shows it whole."""

from __future__ import annotations

import pytest
from orderview.screens.issue_wizard import IssueWizard
from orderview.widgets.literal_table import fit_widths

from orderview.app import OrderviewApp
from orderview.db.models import License
from orderview.services.order_ids import generate_store_id
from tests import factories as f
from tests.ui_support import loaded_order, make_app, screen_text, see, wait_for

WIDTHS = [80, 100]
CODE = "ATLAS-ENTERPRISE-X"
EMAIL = "someone.with.a.long.name@example-company.com"
PRODUCT = "Atlas Enterprise Suite with a very long product name"
POLICY = f"{PRODUCT} standard"
CUSTOMER = "Analytical Engines and Difference Machines Ltd"


def shown_whole_or_cut_visibly(text: str, value: str) -> bool:
    """``value`` is on screen whole, or as a prefix of it followed by ``…``."""
    if value in text:
        return True
    return any(value[:n] + "…" in text for n in range(1, len(value)))


def status_line(app: OrderviewApp, from_bottom: int = 2) -> str:
    return screen_text(app).splitlines()[-from_bottom]


async def seed(db) -> str:
    product, policy = await f.add_product(db, code=CODE, name=PRODUCT)
    users, user_policy = await f.add_product(db, code="NEBULA-USERS", name="Nebula", method="user")
    customer = await f.add_customer(db, company_name=CUSTOMER, first_name="", last_name="")
    store_id = generate_store_id()  # ORD-YYYYMMDD-XXXXXX: wider than the column used to be
    order = await f.add_order(db, store_id, customer_id=customer, reference="PO-2026-0001-X")
    await f.add_licenses(db, order, product, 2, policy)
    async with db.sessions.begin() as s:
        s.add(
            License(
                order_id=order,
                product_id=users,
                policy_id=user_policy,
                user_email=EMAIL,
                created_at=f.T0,
                updated_at=f.T0,
            )
        )
    return store_id


@pytest.mark.parametrize("width", WIDTHS)
async def test_orders_list_cuts_visibly_and_shows_the_cut_row_in_full(sqlite_db, width) -> None:
    store_id = await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 1)
        await see(pilot, app, "Created UTC")  # the last column is on screen
        text = screen_text(app)
        assert store_id in text  # a generated Order ID is never cut
        assert shown_whole_or_cut_visibly(text, CUSTOMER)
        assert shown_whole_or_cut_visibly(text, "PO-2026-0001-X")
        assert "newest 1 order" in status_line(app)
        await pilot.press("down")  # the list has focus: its cut cells in full below it
        if CUSTOMER not in text:
            await wait_for(
                pilot,
                lambda: f"Customer: {CUSTOMER}" in status_line(app),
                what="the customer in full on the status line",
            )
        await pilot.press("escape")  # back to the search box: the list's status again
        await wait_for(pilot, lambda: "newest 1 order" in status_line(app), what="status back")


@pytest.mark.parametrize("width", WIDTHS)
async def test_license_table_cuts_codes_and_emails_visibly_and_shows_them(sqlite_db, width) -> None:
    store_id = await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id=store_id)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await loaded_order(pilot, app)
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: (
                screen.pane("licenses") is not None and screen.pane("licenses").table.row_count == 3
            ),
        )
        await see(pilot, app, "Created")
        text = screen_text(app)
        header = text.splitlines()[0].rstrip()
        assert header.endswith(("0 managers", "…")), header
        lines = [line for line in text.splitlines() if "perpetual" in line]
        assert len(lines) == 3
        for line in lines:
            assert line.rstrip().endswith("2026-01-15"), line  # every column on screen
        for key in screen.pane("licenses").rows[:2]:
            assert key.license_key in text  # keys are never cut
        assert shown_whole_or_cut_visibly(text, CODE)
        assert shown_whole_or_cut_visibly(text, EMAIL)
        if width == 80:
            assert CODE not in text and EMAIL not in text  # 80 columns are too few for both
        # Down to the user's row: the status line under the table shows the cut cells whole.
        await pilot.press("down", "down")
        await wait_for(pilot, lambda: EMAIL in status_line(app, 3), what="email on status")
        assert status_line(app, 3).strip().startswith("Key or user: ")
        await pilot.press("up")  # a key row: the product code in full, if it is cut
        if CODE not in text:
            await wait_for(
                pilot, lambda: f"Prod.: {CODE}" in status_line(app, 3), what="code on status"
            )
        else:  # nothing cut on this row: the tab's own status
            await wait_for(
                pilot,
                lambda: "showing 1–3 of 3 licenses" in status_line(app, 3),
                what="status back",
            )


@pytest.mark.parametrize("width", WIDTHS)
async def test_wizard_policy_names_and_columns_are_not_cut_silently(sqlite_db, width) -> None:
    store_id = await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id=store_id)
    async with app.run_test(size=(width, 24)) as pilot:
        await loaded_order(pilot, app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, IssueWizard))
        await see(pilot, app, "Identified by")  # the product table's last column
        text = screen_text(app)
        assert shown_whole_or_cut_visibly(text, PRODUCT) and CODE in text
        assert "license key" in text and "user email" in text
        wizard = app.screen
        await wait_for(pilot, lambda: wizard.query_one("#products").has_focus)
        await pilot.press("enter")  # the first product: its policies
        await see(pilot, app, "Custom values", "default")  # the policy table's last column
        text = screen_text(app)
        assert shown_whole_or_cut_visibly(text, POLICY)
        row = next(line for line in text.splitlines() if "default" in line)
        assert "perpetual" in row and " std " in row  # every column of the row on screen
        if POLICY not in text:
            await wait_for(
                pilot, lambda: f"Policy: {POLICY}" in screen_text(app), what="policy name in full"
            )


def test_fit_widths_gives_way_widest_first() -> None:
    assert fit_widths([10, 20, 5], [4, 4, 4], 40) == [10, 20, 5]  # all fit: unchanged
    assert fit_widths([10, 20, 5], [4, 4, 4], 30) == [10, 15, 5]  # the widest gives way
    assert fit_widths([30, 30, 5], [4, 4, 4], 45) == [20, 20, 5]  # to one common level
    assert fit_widths([30, 30, 5], [4, 4, 4], 46) == [21, 20, 5]  # the rest, left first
    assert fit_widths([30, 30, 5], [25, 4, 4], 40) == [25, 10, 5]  # never under a floor
    assert fit_widths([30, 30], [20, 20], 10) == [20, 20]  # floors win over the room
