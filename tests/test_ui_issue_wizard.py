"""The issuing wizard at 80×24, driven by keys; every test also checks the database."""

from __future__ import annotations

import asyncio
import random
from datetime import date

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.help import HelpScreen
from orderview.screens.issue_wizard import IssueWizard
from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen
from orderview.screens.wizard_steps.fields import Cycler, FieldRow
from sqlalchemy import select
from textual import events

from orderview.app import OrderviewApp
from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Customer, License, LicensePolicy, Order
from orderview.schemas.entitlements import ENTITLEMENT_FIELDS, FIELD_LABELS, show_value
from orderview.services import issuing_rows
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, wait_for


async def rows(db: Database) -> list[License]:
    async with db.sessions() as s:
        return list(await s.scalars(select(License).order_by(License.id)))


async def seed(db: Database) -> dict[str, int]:
    app_id, app_pol = await f.add_product(
        db, "APP", "App Pro", max_activations=2, maintenance_duration="1y", max_transfers=3
    )
    async with db.sessions.begin() as s:
        s.add(
            LicensePolicy(
                product_id=app_id,
                name="Annual",
                code="annual",
                license_type="time-limited",
                valid_duration="1y",
                max_activations=3,
            )
        )
    team_id, team_pol = await f.add_product(db, "TEAM", "Team Chat", method="user")
    order = await f.add_order(db, "ORD-1001")
    return {
        "app": app_id,
        "app_pol": app_pol,
        "team": team_id,
        "team_pol": team_pol,
        "order": order,
    }


@pytest.fixture
async def ids(sqlite_db: Database) -> dict[str, int]:
    """The seeded database's ids."""
    return await seed(sqlite_db)


@pytest.fixture
def app(sqlite_db: Database, ids: dict[str, int]) -> OrderviewApp:
    """The app opening on the seeded order ORD-1001 (most tests start there)."""
    return make_app(sqlite_db, open_store_id="ORD-1001")


def wizard(app) -> IssueWizard:
    assert isinstance(app.screen, IssueWizard), type(app.screen)
    return app.screen


def on_step(app, name: str) -> bool:
    return (
        isinstance(app.screen, IssueWizard)
        and app.screen.stack[-1][0] == name
        and bool(app.screen.query(f"#step-{name}"))
    )


async def open_wizard(pilot, app) -> IssueWizard:
    await loaded_order(pilot, app)
    await pilot.press("i")
    await wait_for(
        pilot,
        lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        what="products",
    )
    return wizard(app)


async def to_entitlements(pilot, app, product_row: int = 0, policy_row: int = 0) -> None:
    await pilot.press(*["down"] * product_row, "enter")
    await wait_for(
        pilot,
        lambda: on_step(app, "policy") and app.screen.query_one("#policies").row_count > 0,
        what="policies",
    )
    await pilot.press(*["down"] * policy_row, "enter")
    await wait_for(pilot, lambda: on_step(app, "entitlements"), what="entitlements")
    await wait_for(pilot, lambda: isinstance(app.focused, Cycler), what="type focused")


async def wizard_at_entitlements(
    pilot,
    app,
    product_row: int = 0,
    policy_row: int = 0,
) -> IssueWizard:
    """Open the wizard on the loaded order and choose a product and policy by their rows."""
    wiz = await open_wizard(pilot, app)
    await to_entitlements(pilot, app, product_row, policy_row)
    return wiz


async def enter_until(pilot, app, step: str, limit: int = 40) -> None:
    for _ in range(limit):
        if on_step(app, step):
            return
        await pilot.press("enter")
    await wait_for(pilot, lambda: on_step(app, step), what=step)


async def focus_field(pilot, app, name: str) -> None:
    """Put the focus on a field (an operator tabs there; tabbing is not what is tested and
    every focus change restyles the step, so the tests jump)."""
    app.screen.query_one(f"#{name}").focus()
    await wait_for(pilot, lambda: getattr(app.focused, "id", None) == name, what=f"focus {name}")


async def type_into(pilot, app, name: str, text: str) -> None:
    await focus_field(pilot, app, name)
    await pilot.press("ctrl+u" if hasattr(app.focused, "cursor_position") else "end")
    app.focused.value = ""  # clear what the policy pre-filled
    await pilot.press(*text)


async def summary_for_quantity(pilot, app, quantity: str) -> None:
    """From the entitlements step: type the quantity and go on to the summary."""
    await type_into(pilot, app, "quantity", quantity)
    await focus_field(pilot, app, "note")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on_step(app, "summary"))


def shown_rows(app) -> set[str]:
    return {row.field_name for row in app.screen.query(FieldRow) if row.display}


async def issue_and_wait(pilot, app) -> OrderScreen:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back on the order")
    screen = app.screen
    await wait_for(
        pilot,
        lambda: (
            screen.query_one("#order-tabs").active == "licenses"
            and screen.pane("licenses") is not None
        ),
        what="licenses tab",
    )
    return screen


async def test_accepting_every_default_issues_one_license(sqlite_db, ids, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot, app)
        await pilot.press("ctrl+s")  # not on the summary: nothing happens
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: on_step(app, "policy") and app.screen.query_one("#policies").row_count == 3,
        )
        assert await rows(sqlite_db) == []
        await pilot.press("enter")
        await wait_for(pilot, lambda: on_step(app, "entitlements"))
        await enter_until(pilot, app, "summary")
        text = screen_text(app)
        assert "1. App Pro (APP) · App Pro standard · perpetual" in text
        assert "1 license, keys generated" in text and "values as in the policy" in text
        assert await rows(sqlite_db) == []  # nothing written before ctrl+s
        screen = await issue_and_wait(pilot, app)
        await wait_for(pilot, lambda: screen.pane("licenses").table.row_count == 1)
        assert "Issued 1 license." in screen_text(app)
    [row] = await rows(sqlite_db)
    assert (
        row.order_id,
        row.product_id,
        row.policy_id,
        row.license_type,
        row.max_activations,
        row.maintenance_duration,
        row.max_transfers,
    ) == (ids["order"], ids["app"], ids["app_pol"], "perpetual", 2, "1y", 3)
    async with sqlite_db.sessions() as s:
        [event] = list(await s.scalars(select(AuditEvent).where(AuditEvent.action == "issued")))
    assert event.snapshot["lines"][0]["keys"] == [row.license_key]


async def test_only_the_fields_of_the_chosen_type_show(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        assert "valid_duration" not in shown_rows(app) and "grace_period" not in shown_rows(app)
        assert {"quantity", "keys", "max_activations", "note"} <= shown_rows(app)
        assert "trial_days" not in shown_rows(app)  # trial is off
        expected = {
            "time-limited": ({"valid_duration", "validity_period"}, {"grace_period"}),
            "subscription": ({"validity_period", "grace_period"}, {"valid_duration"}),
            "consumption": (
                {
                    "max_consumptions",
                    "allow_unlimited_consumptions",
                    "allow_overages",
                    "reset_consumption",
                },
                {"validity_period", "max_overages", "consumption_period"},
            ),
            "perpetual": (set(), {"valid_duration", "validity_period", "max_consumptions"}),
        }
        for kind, (present, absent) in expected.items():
            await pilot.press("right")
            await wait_for(
                pilot,
                lambda kind=kind: (
                    app.screen.query_one("#license_type", Cycler).value == kind
                    and isinstance(app.focused, Cycler)
                ),
            )
            await pilot.pause()
            assert present <= shown_rows(app), kind
            assert not absent & shown_rows(app), kind
        await focus_field(pilot, app, "is_trial")
        await pilot.press("space")
        await wait_for(pilot, lambda: "trial_days" in shown_rows(app))
        assert "floating_users" not in shown_rows(app)
        await focus_field(pilot, app, "is_floating")
        await pilot.press("space")
        await wait_for(pilot, lambda: {"floating_users", "floating_timeout"} <= shown_rows(app))


async def test_time_limited_with_end_date_and_typed_overrides(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, policy_row=1)  # "Annual": time-limited, 1y
        await type_into(pilot, app, "valid_duration", "")
        await type_into(pilot, app, "validity_period", "2097-06-30")
        await type_into(pilot, app, "quantity", "3")
        await type_into(pilot, app, "max_activations", "5")
        await type_into(pilot, app, "note", "VIP [b]x[/b]")
        await pilot.press("enter")  # enter on the last field goes forward
        await wait_for(pilot, lambda: on_step(app, "summary"))
        text = screen_text(app)
        assert "App Pro (APP) · Annual · time-limited" in text
        assert "3 licenses, keys generated" in text
        assert "Valid for: 1y → —" in text and "Valid until: — → 2097-06-30" in text
        assert "Max activations: 3 → 5" in text and "Note: — → VIP [b]x[/b]" in text
        await issue_and_wait(pilot, app)
    found = await rows(sqlite_db)
    assert len(found) == 3
    assert {
        (r.license_type, r.valid_duration, r.validity_period, r.max_activations, r.note)
        for r in found
    } == {("time-limited", None, date(2097, 6, 30), 5, "VIP [b]x[/b]")}


async def test_subscription_and_consumption_by_keys(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await pilot.press("right", "right")  # perpetual → time-limited → subscription
        await wait_for(pilot, lambda: "grace_period" in shown_rows(app))
        await type_into(pilot, app, "validity_period", "2097-01-31")
        await type_into(pilot, app, "grace_period", "7")
        await pilot.press("plus")  # in a text field "+" is just typed…
        assert app.focused.value == "7+" and on_step(app, "entitlements")
        app.focused.value = "7"
        await focus_field(pilot, app, "add-line")  # …so use the button (or + off a text field)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        )
        await to_entitlements(pilot, app, policy_row=2)  # custom values
        await pilot.press("left")  # perpetual → consumption
        await wait_for(pilot, lambda: "max_consumptions" in shown_rows(app))
        await type_into(pilot, app, "max_consumptions", "500")
        await focus_field(pilot, app, "allow_overages")
        await pilot.press("space")
        await wait_for(pilot, lambda: "max_overages" in shown_rows(app))
        await type_into(pilot, app, "max_overages", "50")
        await focus_field(pilot, app, "reset_consumption")
        await pilot.press("space")
        await wait_for(pilot, lambda: "consumption_period" in shown_rows(app))
        await focus_field(pilot, app, "consumption_period")
        await pilot.press("right", "right", "right")  # (choose) → daily → weekly → monthly
        await enter_until(pilot, app, "summary")
        text = screen_text(app)
        assert "1. App Pro (APP) · App Pro standard · subscription" in text
        assert "2. App Pro (APP) · custom values · consumption" in text
        assert "Total: 2 licenses." in text
        await issue_and_wait(pilot, app)
    sub, con = await rows(sqlite_db)
    assert (sub.license_type, sub.validity_period, sub.grace_period, sub.max_activations) == (
        "subscription",
        date(2097, 1, 31),
        7,
        2,
    )
    assert (
        con.license_type,
        con.policy_id,
        con.max_consumptions,
        con.allow_overages,
        con.max_overages,
        con.reset_consumption,
        con.consumption_period,
        con.maintenance_duration,
    ) == ("consumption", None, 500, True, 50, True, "monthly", None)


async def test_validation_errors_show_by_the_field(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, policy_row=1)
        await type_into(pilot, app, "valid_duration", "0d")
        await type_into(pilot, app, "start_date", "2026-02-30")
        await type_into(pilot, app, "quantity", "100001")
        await focus_field(pilot, app, "note")
        await pilot.press("enter")

        def errors() -> dict[str, str]:
            return {
                row.field_name: row.error_text
                for row in app.screen.query(FieldRow)
                if row.error_text
            }

        await wait_for(
            pilot,
            lambda: set(errors()) == {"valid_duration", "start_date", "quantity"},
            what="three errors",
        )
        assert on_step(app, "entitlements")
        shown = errors()
        assert "30d" in shown["valid_duration"] and "no such date" in shown["start_date"]
        await wait_for(pilot, lambda: app.focused.id == "valid_duration")  # first bad field
        await type_into(pilot, app, "valid_duration", "6m")
        await type_into(pilot, app, "start_date", "2097-01-01")
        await type_into(pilot, app, "quantity", "2")
        await pilot.press("enter")
        await enter_until(pilot, app, "summary")
        await issue_and_wait(pilot, app)
    assert {(r.valid_duration, r.start_date) for r in await rows(sqlite_db)} == {
        ("6m", date(2097, 1, 1))
    }


async def test_pasted_keys_checked_against_the_database(sqlite_db, ids, app) -> None:
    [used] = await f.add_licenses(sqlite_db, ids["order"], ids["app"], 1)
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await type_into(pilot, app, "quantity", "")
        await focus_field(pilot, app, "keys")
        app.post_message(events.Paste(f"abcd-efgh-jkmn-pqrs\n{used}\n"))  # as a terminal does
        await wait_for(pilot, lambda: app.focused.text.count("\n") == 2)
        await enter_until(pilot, app, "summary", limit=20)
        assert "2 licenses with pasted keys" in screen_text(app)
        await pilot.press("ctrl+s")  # the database says one key is taken: back to the line
        await wait_for(pilot, lambda: on_step(app, "entitlements"))
        keys_row = app.screen.query_one("#row-keys", FieldRow)
        await wait_for(pilot, lambda: "already used" in keys_row.error_text)
        assert len(await rows(sqlite_db)) == 1
        app.focused.text = "ABCD-EFGH-JKMN-PQRS\nABCD-EFGH-JKMN-PQRS"
        await focus_field(pilot, app, "note")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "pasted twice" in keys_row.error_text)
        assert on_step(app, "entitlements")  # duplicate in the paste
        app.screen.query_one("#keys").text = "ABCD-EFGH-JKMN-PQRS\nABCDEFGHJKMNPQRT"
        await focus_field(pilot, app, "note")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on_step(app, "summary"))
        await issue_and_wait(pilot, app)
    assert [r.license_key for r in await rows(sqlite_db)][1:] == [
        "ABCD-EFGH-JKMN-PQRS",
        "ABCD-EFGH-JKMN-PQRT",
    ]


async def test_user_based_product_takes_emails(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, product_row=1)  # Team Chat (user-based)
        assert "user_emails" in shown_rows(app) and "quantity" not in shown_rows(app)
        await focus_field(pilot, app, "note")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "at least one" in app.screen.query_one("#row-user_emails", FieldRow).error_text,
        )
        assert on_step(app, "entitlements")  # no emails yet
        await focus_field(pilot, app, "user_emails")
        await pilot.press(*"a@x.io, b@x.io", "enter")  # valid: enter on its last line moves on
        await wait_for(pilot, lambda: app.focused.id != "user_emails", what="moved on")
        await enter_until(pilot, app, "summary")
        assert "2 user licenses: a@x.io, b@x.io" in screen_text(app)
        await issue_and_wait(pilot, app)
    assert [(r.user_email, r.license_key) for r in await rows(sqlite_db)] == [
        ("a@x.io", None),
        ("b@x.io", None),
    ]


def error_of_row(app, name: str) -> str:
    return app.screen.query_one(f"#row-{name.replace('.', '-')}", FieldRow).error_text


async def test_enter_never_gets_stuck_in_the_emails_box(sqlite_db) -> None:
    """enter on the box's last line moves on when the box is valid, says why not (and stays)
    when it is not; a message goes as soon as the box is fixed, as typed; walking back into the
    filled-in box, enter moves on (its cursor used to sit at the start, and each enter pushed
    the text down a line, for ever)."""
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, product_row=1)  # Team Chat (user-based)
        await focus_field(pilot, app, "user_emails")
        box = app.focused
        await pilot.press(*"a@x.io, nope", "enter")
        await wait_for(
            pilot,
            lambda: "not an email address: nope" in error_of_row(app, "user_emails"),
            what="checked on enter",
        )
        assert app.focused is box and box.text == "a@x.io, nope"  # no new line, still here
        await pilot.press(*["backspace"] * 4, *"b@x.io")
        await wait_for(
            pilot,
            lambda: error_of_row(app, "user_emails") == "",
            what="the message goes as the box is fixed",
        )
        assert app.focused is box
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is not box, what="moved on")
        await enter_until(pilot, app, "summary")
        await pilot.press("escape")  # back into the filled-in step, enter by enter
        await wait_for(pilot, lambda: on_step(app, "entitlements"))
        await focus_field(pilot, app, "user_emails")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused.id != "user_emails", what="not stuck")
        assert app.screen.query_one("#user_emails").text == "a@x.io, b@x.io"
        await enter_until(pilot, app, "summary")
        assert "2 user licenses: a@x.io, b@x.io" in screen_text(app)
        await issue_and_wait(pilot, app)
    assert [r.user_email for r in await rows(sqlite_db)] == ["a@x.io", "b@x.io"]


async def test_pasted_keys_box_moves_on_from_its_last_line(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await type_into(pilot, app, "quantity", "")
        await focus_field(pilot, app, "keys")
        app.post_message(events.Paste("ABCD-EFGH-JKMN-PQRS\nABCD-EFGH-JKMN-PQRT"))  # no end line
        await wait_for(pilot, lambda: app.focused.text.count("\n") == 1)
        await pilot.press("enter")  # the cursor is on the last line, which has text
        await wait_for(pilot, lambda: app.focused.id != "keys", what="moved on")
        assert app.screen.query_one("#keys").text.count("\n") == 1  # no line added
        await enter_until(pilot, app, "summary")
        assert "2 licenses with pasted keys" in screen_text(app)


async def test_quantity_refuses_letters_and_is_checked_on_enter(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await type_into(pilot, app, "quantity", "1a2-b.")
        assert app.focused.value == "12"  # letters and signs refused as typed
        await type_into(pilot, app, "quantity", "0")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "whole number from 1 to 100,000" in error_of_row(app, "quantity"),
            what="checked on enter",
        )
        assert app.focused.id == "quantity" and on_step(app, "entitlements")
        await pilot.press("backspace", "7")
        await wait_for(
            pilot,
            lambda: error_of_row(app, "quantity") == "",
            what="the message goes as the field is fixed",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused.id == "keys", what="on to the keys box")
        await enter_until(pilot, app, "summary")
        assert "7 licenses, keys generated" in screen_text(app)
        await issue_and_wait(pilot, app)
    assert len(await rows(sqlite_db)) == 7


async def test_step_errors_go_as_each_field_is_fixed(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, policy_row=1)
        await type_into(pilot, app, "valid_duration", "0d")
        await type_into(pilot, app, "start_date", "2026-02-30")
        await focus_field(pilot, app, "note")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: error_of_row(app, "valid_duration") and error_of_row(app, "start_date"),
            what="two messages",
        )
        await type_into(pilot, app, "valid_duration", "6m")  # fixed as typed: its message goes
        await wait_for(pilot, lambda: error_of_row(app, "valid_duration") == "")
        assert "no such date" in error_of_row(app, "start_date")  # the other one stays
        await focus_field(pilot, app, "start_date")
        await pilot.press("end", "backspace", "backspace", "0")  # 2026-02-0: not a date yet
        assert app.focused.value == "2026-02-0" and error_of_row(app, "start_date")
        await pilot.press("1")
        await wait_for(pilot, lambda: error_of_row(app, "start_date") == "")
        await wait_for(pilot, lambda: "Check the fields" not in wizard(app).status.text)


async def test_esc_goes_back_and_asks_before_discarding(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app, policy_row=1)
        await type_into(pilot, app, "max_activations", "9")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_step(app, "policy"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_step(app, "product"))
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: on_step(app, "policy") and app.screen.query_one("#policies").cursor_row == 1,
        )
        await pilot.press("enter")  # the same policy again: what was typed is still there
        await wait_for(pilot, lambda: on_step(app, "entitlements"))
        assert app.screen.query_one("#max_activations").value == "9"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: on_step(app, "product"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: on_step(app, "product"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
        # Nothing entered: esc on the first step closes at once.
        await pilot.press("i")
        await wait_for(pilot, lambda: on_step(app, "product"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen))
    assert await rows(sqlite_db) == []


async def start_new_order(pilot, app) -> None:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, OrdersScreen) and app.screen.table.row_count > 0,
        what="orders",
    )
    await pilot.press("down", "n")
    await wait_for(pilot, lambda: on_step(app, "order"), what="new order step")


async def finish_default_line(pilot, app) -> None:
    await wait_for(
        pilot, lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0
    )
    await to_entitlements(pilot, app)
    await enter_until(pilot, app, "summary")
    assert "into a new order" in screen_text(app)
    await pilot.press("ctrl+s")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
        what="the new order's screen",
    )


async def test_new_order_without_customer(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press("enter", *"PO-9", "enter")  # Order ID blank, reference, customer
        await pilot.press(*["enter"] * 6)  # campaign … trial order, then "no customer"
        await finish_default_line(pilot, app)
        detail = app.screen.detail
        assert detail.store_id.startswith("ORD-") and detail.reference == "PO-9"
        assert detail.customer is None and detail.license_count == 1
    async with sqlite_db.sessions() as s:
        order = (await s.scalars(select(Order).where(Order.reference == "PO-9"))).one()
    assert [r.order_id for r in await rows(sqlite_db)] == [order.id]


async def test_new_order_takes_the_order_fields_edit_order_has(sqlite_db) -> None:
    """The New order step also takes campaign params, download ID, language and the test /
    trial flags (Edit order's rules), so a new order needs no second edit; they are saved by
    the same transaction that creates the order, in its "created" audit event."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press(
            *"SHOP-7",
            "enter",
            *"PO-1",
            "enter",
            *"cpg=web,src=x",
            "enter",
            *"DL-9",
            "enter",
            *"klingon",
            "enter",
            "space",
            "enter",
            "enter",
            "enter",
        )
        row = app.screen.query_one("#row-language", FieldRow)
        await wait_for(
            pilot,
            lambda: "language code" in row.error_text and app.focused.id == "language",
            what="Edit order's rule, by the field",
        )
        assert on_step(app, "order") and await rows(sqlite_db) == []
        app.focused.value = "pt_br"
        await pilot.press(*["enter"] * 4)  # language, test order (ticked), trial, no customer
        await wait_for(
            pilot,
            lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        )
        await to_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        assert "New order SHOP-7 " in screen_text(app)
        for line in (
            "Reference: PO-1",
            "Campaign params: cpg=web,src=x",
            "Download ID: DL-9",
            "Language: pt_br",
            "Test order ",
        ):
            assert line in screen_text(app), line
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="the new order's screen",
        )
    async with sqlite_db.sessions() as s:
        order = (await s.scalars(select(Order).where(Order.store_id == "SHOP-7"))).one()
        created = (
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.order_id == order.id, AuditEvent.action == "created"
                )
            )
        ).one()
    assert (
        order.store_id,
        order.reference,
        order.campaign_params,
        order.download_id,
        order.language,
        order.is_test,
        order.is_trial,
        order.version,
    ) == ("SHOP-7", "PO-1", "cpg=web,src=x", "DL-9", "pt-BR", True, False, 1)
    assert created.changes["campaign_params"] == [None, "cpg=web,src=x"]
    assert created.changes["is_test"] == [None, True] and created.changes["language"][1] == "pt-BR"
    assert [r.order_id for r in await rows(sqlite_db)] == [order.id]


async def test_the_focused_fields_label_is_in_reverse_video(sqlite_db) -> None:
    """Focus is plain to see without colour: the focused field's label, and only its."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)

        def reversed_labels() -> list[str]:
            return [
                row.field_name
                for row in app.screen.query(FieldRow)
                if row.display and row.query_one(".field-label").rich_style.reverse
            ]

        await wait_for(pilot, lambda: reversed_labels() == ["store_id"], what="first field")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: reversed_labels() == ["campaign_params"], what="moved")


async def test_new_order_creating_a_customer(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press(*"SHOP-42", *["enter"] * 7, "right", "right")
        await wait_for(pilot, lambda: app.screen.query_one("#new-section").display)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused.id == "customer-email")
        await pilot.press(*"nope", "enter", *"Nia", "enter", "enter", *"Nia Co", "enter", "enter")
        row = app.screen.query_one("#row-customer-email", FieldRow)
        await wait_for(
            pilot, lambda: "email" in row.error_text and app.focused.id == "customer-email"
        )
        assert on_step(app, "order")  # a bad email keeps the step open, message by the field
        app.focused.value = "nia@x.io"
        await pilot.press("tab", "tab", "tab", "tab", "enter")
        await finish_default_line(pilot, app)
        detail = app.screen.detail
        assert detail.store_id == "SHOP-42" and detail.customer.email == "nia@x.io"
    async with sqlite_db.sessions() as s:
        customer = (await s.scalars(select(Customer))).one()
    assert (customer.first_name, customer.company_name) == ("Nia", "Nia Co")
    assert len(await rows(sqlite_db)) == 1


async def test_new_order_picking_a_customer(sqlite_db) -> None:
    await seed(sqlite_db)
    cid = await f.add_customer(sqlite_db, email="ada@example.com")
    await f.add_customer(
        sqlite_db, email="bob@example.com", first_name="Bob", last_name="B", company_name="Bob Inc"
    )
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press(*["enter"] * 7, "right")
        await wait_for(pilot, lambda: app.screen.query_one("#pick-section").display)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused.id == "customer_search")
        await pilot.press(*"ada")
        await wait_for(pilot, lambda: app.screen.query_one("#customer-matches").row_count == 1)
        await pilot.press("enter", "enter")  # to the list, then pick (and go on)
        await wait_for(
            pilot,
            lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        )
        await to_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        assert "Customer: Analytical Engines Ltd <ada@example.com>" in screen_text(app)
        await pilot.press("escape")  # back and forth keeps everything
        await wait_for(pilot, lambda: on_step(app, "entitlements"))
        await enter_until(pilot, app, "summary")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="the new order's screen",
        )
        assert app.screen.detail.customer.id == cid


async def test_new_order_with_a_taken_order_id_goes_back_to_it(sqlite_db) -> None:
    """A taken Order ID (in any case: Order IDs ignore case) is said on the New order step;
    one taken by another desk after that step sends the operator back to it from the summary."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press(*"ord-1001", *["enter"] * 8)  # the step's eight fields
        row = app.screen.query_one("#row-store_id", FieldRow)
        await wait_for(
            pilot, lambda: "order ORD-1001 exists (Order IDs ignore case)" in row.error_text
        )
        assert on_step(app, "order") and app.focused.id == "store_id"
        app.focused.value = "ORD-2002"
        await pilot.press(*["enter"] * 8)
        await wait_for(
            pilot,
            lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        )
        await to_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        await f.add_order(sqlite_db, "ord-2002")  # another desk, a moment ago
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: on_step(app, "order"))
        await wait_for(
            pilot, lambda: "exists" in app.screen.query_one("#row-store_id", FieldRow).error_text
        )
        assert await rows(sqlite_db) == []
        app.focused.value = "ORD-2003"
        await pilot.press(*["enter"] * 8)  # fixed: straight back to the summary
        await wait_for(pilot, lambda: on_step(app, "summary"))
        assert "New order ORD-2003" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, OrderScreen)
                and app.screen.detail is not None
                and app.screen.detail.license_count
            ),
        )
        assert app.screen.detail.store_id == "ORD-2003"
    assert len(await rows(sqlite_db)) == 1


async def test_every_license_carries_what_the_summary_showed(sqlite_db, ids, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        wiz = await wizard_at_entitlements(pilot, app)
        await type_into(pilot, app, "quantity", "2")
        await type_into(pilot, app, "start_date", "2097-03-01")
        await focus_field(pilot, app, "prevent_vm")
        await pilot.press("space")
        await focus_field(pilot, app, "add-line")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: on_step(app, "product") and app.screen.query_one("#products").row_count > 0,
        )
        await to_entitlements(pilot, app, product_row=1)
        await focus_field(pilot, app, "user_emails")
        await pilot.press(*"u@x.io", "enter", "enter")
        await focus_field(pilot, app, "is_trial")
        await pilot.press("space")
        await wait_for(pilot, lambda: "trial_days" in shown_rows(app))
        await type_into(pilot, app, "trial_days", "30")
        await enter_until(pilot, app, "summary")
        text = screen_text(app)
        summary = [line.resolved for line in wiz.lines]
        assert all(summary)
        for number, line in enumerate(summary, 1):
            assert f"{number}. {line.product_name} ({line.product_code})" in text
            for name, (before, after) in line.differences.items():
                assert f"{FIELD_LABELS[name]}: {show_value(before)} → {show_value(after)}" in text
        assert "Prevent VM: no → yes" in text and "Start date: — → 2097-03-01" in text
        assert "Trial: no → yes" in text and "Trial days: — → 30" in text
        await issue_and_wait(pilot, app)
    found = await rows(sqlite_db)
    assert [r.product_id for r in found] == [ids["app"], ids["app"], ids["team"]]
    expected = [summary[0]] * 2 + [summary[1]]
    for row, line in zip(found, expected, strict=True):
        assert {n: getattr(row, n) for n in ENTITLEMENT_FIELDS} == line.entitlements.values()
        assert row.policy_id == line.policy_id


async def test_large_quantities_report_progress(sqlite_db, monkeypatch) -> None:
    await seed(sqlite_db)
    monkeypatch.setattr(issuing_rows, "CHUNK", 250)
    seen: list[str] = []
    real = IssueWizard._progress

    def spy(self, done: int, total: int) -> None:
        real(self, done, total)
        seen.append(self.status.text)

    monkeypatch.setattr(IssueWizard, "_progress", spy)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await summary_for_quantity(pilot, app, "1000")
        screen = await issue_and_wait(pilot, app)
        await wait_for(pilot, lambda: "1,000 licenses" in screen_text(app))
        assert screen.pane("licenses").table.row_count <= 1000
    assert seen == [f"Issuing… {n:,} of 1,000 licenses written" for n in (250, 500, 750, 1000)]
    assert len(await rows(sqlite_db)) == 1000


async def test_new_licenses_show_first_in_a_big_order(sqlite_db, ids, app) -> None:
    await f.add_licenses(sqlite_db, ids["order"], ids["app"], 150)
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await summary_for_quantity(pilot, app, "2")
        screen = await issue_and_wait(pilot, app)
        new = [r.license_key for r in await rows(sqlite_db)][-2:]
        pane = screen.pane("licenses")
        await wait_for(
            pilot,
            lambda: (
                pane.selected_license().license_key == new[0]
                and new[1] in [r.license_key for r in pane.rows]
            ),
            what="the cursor on the first new license",
        )


async def test_hostile_names_are_shown_literally(sqlite_db) -> None:
    evil = "[@click=app.quit]E[/]\x1b[2J[b]"
    _pid, pol = await f.add_product(sqlite_db, "EVIL", evil)
    async with sqlite_db.sessions.begin() as s:
        (await s.get(LicensePolicy, pol)).name = evil
    await f.add_order(sqlite_db, "ORD-[b]1")
    app = make_app(sqlite_db, open_store_id="ORD-[b]1")
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot, app)
        assert "[@click=app.quit]E[/]␛[2J[b]" in screen_text(app)
        await to_entitlements(pilot, app)
        text = screen_text(app)
        assert "Line 1: [@click=app.quit]E[/]␛[2J[b]" in text and "ORD-[b]1" in text
        await enter_until(pilot, app, "summary")
        assert "1. [@click=app.quit]E[/]␛[2J[b] (EVIL)" in screen_text(app)
        await issue_and_wait(pilot, app)
    assert len(await rows(sqlite_db)) == 1


async def test_help_lists_the_wizard_keys(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Issue licenses" in text and "Add product" in text and "Issue" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_step(app, "summary"))


async def test_order_deleted_meanwhile_is_reported_and_nothing_written(sqlite_db, ids, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        async with sqlite_db.sessions.begin() as s:  # another desk deletes the order
            await s.delete(await s.get(Order, ids["order"]))
            s.add(
                AuditEvent(
                    operator="bob",
                    action="deleted",
                    entity="order",
                    entity_id=ids["order"],
                    entity_version=2,
                    order_id=ids["order"],
                )
            )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "deleted by bob" in screen_text(app))
        assert on_step(app, "summary") and not wizard(app).issuing
    assert await rows(sqlite_db) == []


async def test_ui_answers_keys_while_issuing(sqlite_db, monkeypatch) -> None:
    await seed(sqlite_db)
    monkeypatch.setattr(issuing_rows, "CHUNK", 100)
    real_insert = issuing_rows._insert_chunk

    async def slow_insert(*args) -> None:
        await asyncio.sleep(0.05)  # a slow disk or link: the worker yields to the UI
        await real_insert(*args)

    monkeypatch.setattr(issuing_rows, "_insert_chunk", slow_insert)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)
        await summary_for_quantity(pilot, app, "2000")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "licenses written" in wizard(app).status.text)
        await pilot.press("escape", "ctrl+s")  # answered at once; neither cancels nor repeats
        await wait_for(pilot, lambda: "wait for it to finish" in wizard(app).status.text)
        assert wizard(app).issuing
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), timeout=20)
    assert len(await rows(sqlite_db)) == 2000


async def test_a_adds_a_line_and_esc_abandons_it(sqlite_db, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        wiz = await wizard_at_entitlements(pilot, app)
        await enter_until(pilot, app, "summary")
        await pilot.press("a")
        await wait_for(pilot, lambda: on_step(app, "product") and wiz.stack[-1] == ("product", 1))
        assert len(wiz.lines) == 2 and "line 2" in screen_text(app)
        await pilot.press("escape")  # backing out of the new line's first step abandons it
        await wait_for(pilot, lambda: on_step(app, "summary"))
        assert len(wiz.lines) == 1 and "Total: 1 license." in screen_text(app)
        await issue_and_wait(pilot, app)
    assert len(await rows(sqlite_db)) == 1


async def test_without_a_default_policy_custom_values_is_preselected(sqlite_db, ids, app) -> None:
    async with sqlite_db.sessions.begin() as s:
        (await s.get(LicensePolicy, ids["app_pol"])).is_default = False
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)  # enter, enter: the pre-selected row
        assert "App Pro · custom values" in screen_text(app)
        await enter_until(pilot, app, "summary")
        await issue_and_wait(pilot, app)
    [row] = await rows(sqlite_db)
    assert row.policy_id is None and (row.license_type, row.max_activations) == ("perpetual", 1)


async def test_ctrl_n_opens_a_new_order_from_the_search_box(sqlite_db) -> None:
    """The home screen starts in the search box, where n is typed: ctrl+n works from there
    (shown in the footer), with or without text typed, and nothing gets typed."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, OrdersScreen) and app.screen.query_one("#search").has_focus
            ),
            what="search box",
        )
        await wait_for(pilot, lambda: "^n New order" in screen_text(app), what="footer key")
        await pilot.press(*"ORD", "ctrl+n")
        await wait_for(pilot, lambda: on_step(app, "order"), what="new order step")
        await pilot.press("escape")  # nothing entered: closes without asking
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders")
        assert app.screen.query_one("#search").value == "ORD"
    async with sqlite_db.sessions() as s:
        assert len(list(await s.scalars(select(Order)))) == 1  # nothing written


async def test_switches_read_on_or_off_without_colour(sqlite_db, app) -> None:
    """An off switch shows a blank box, an on one an X: the stock box showed X for both and
    differed only by colour (unreadable in 16 colours or monochrome)."""
    async with app.run_test(size=SIZE) as pilot:
        await wizard_at_entitlements(pilot, app)

        def line(label: str) -> str:
            return next(t for t in screen_text(app).splitlines() if f"│ {label} " in t)

        assert "X" not in line("Trial")
        await focus_field(pilot, app, "is_trial")
        await pilot.press("space")
        await wait_for(pilot, lambda: "X" in line("Trial"), what="trial ticked")
        await pilot.press("space")
        await wait_for(pilot, lambda: "X" not in line("Trial"), what="trial unticked")


async def test_keys_typed_ahead_never_skip_a_step_unseen(sqlite_db, app) -> None:
    """Over a slow link keys arrive in bursts: enters typed ahead while a step is replaced went
    to the step being left, and their "step done" was taken for the next step's (the policy
    step passed without a policy: the app crashed). Now a step's "done" counts only for that
    step; what was typed ahead is dropped, never applied to a step the operator has not seen."""
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot, app)
        for _ in range(6):  # one burst, as a terminal delivers it: no pause between keys
            app.post_message(events.Key("enter", None))
        await wait_for(
            pilot,
            lambda: on_step(app, "policy") or on_step(app, "entitlements"),
            what="a later step",
        )
        for _ in range(20):
            await pilot.pause()
        assert app.is_running and isinstance(app.screen, IssueWizard)
        line = wizard(app).lines[0]
        if on_step(app, "entitlements"):
            assert line.policy_chosen  # reached only through a chosen policy
        await enter_until(pilot, app, "summary")
        await issue_and_wait(pilot, app)
    assert len(await rows(sqlite_db)) == 1


async def test_new_order_back_from_product_and_forward_again(sqlite_db) -> None:
    """esc from the first product step back to the New order step, then enter: the first line
    used to be abandoned like an added one, and going forward crashed (IndexError)."""
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await pilot.press("enter", *"PO-7", *["enter"] * 7)
        await wait_for(pilot, lambda: on_step(app, "product"), what="product step")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_step(app, "order"), what="back on the order step")
        assert len(wizard(app).lines) == 1
        await enter_until(pilot, app, "product")
        await finish_default_line(pilot, app)
        assert app.screen.detail.reference == "PO-7" and app.screen.detail.license_count == 1
    assert len(await rows(sqlite_db)) == 1


BURST_KEYS = ["enter"] * 6 + [
    "tab",
    "escape",
    "down",
    "up",
    "space",
    "right",
    "left",
    "a",
    "ctrl+s",
    "y",
    "n",
    "1",
    "shift+tab",
    "backspace",
]


@pytest.mark.parametrize("seed_", [17, 26, 32])
async def test_random_key_bursts_never_crash_the_wizard(sqlite_db, seed_: int) -> None:
    """Keys in bursts (as a slow link delivers them), on both paths; these seeds replaced a
    step before its first refresh, whose deferred focus then crashed (NoMatches)."""
    await seed(sqlite_db)
    rnd = random.Random(seed_)
    app = make_app(sqlite_db, open_store_id="ORD-1001" if seed_ % 2 else None)
    async with app.run_test(size=SIZE) as pilot:
        if seed_ % 2:
            await open_wizard(pilot, app)
        else:
            await wait_for(
                pilot,
                lambda: isinstance(app.screen, OrdersScreen) and app.screen.table.row_count > 0,
                what="orders",
            )
            await pilot.press("ctrl+n")
        for _ in range(25):
            for _ in range(rnd.randint(1, 8)):
                key = rnd.choice(BURST_KEYS)
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            for _ in range(rnd.randint(0, 4)):
                await pilot.pause()
        for _ in range(10):
            await pilot.pause()
        assert app.is_running
