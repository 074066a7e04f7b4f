"""Customer by keys at 80x24: add by search, create, edit, relink, unlink, taken email,
validation per field and a concurrent edit."""

from __future__ import annotations

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.customer_edit import CustomerEditScreen
from orderview.screens.customer_pick import CustomerPickScreen
from orderview.widgets.form_field import FormField

from orderview.services import audit, customers, orders
from tests import factories as f
from tests.ui_support import (
    SIZE,
    error_of,
    loaded_order,
    make_app,
    open_dialog,
    screen_text,
    see,
    wait_for,
)

NEW = {
    "email": "grace@navy.example",
    "first_name": "Grace",
    "last_name": "Hopper",
    "company_name": "COBOL Works",
    "phone": "+1 555 0100",
    "reference": "CRM-7",
    "address": "1 Harbour Rd",
    "city": "Arlington",
    "state": "VA",
    "postcode": "22201",
    "country": "us",
}


async def press_c(pilot, app, kind):
    return await open_dialog(pilot, app, "c", kind, kind.__name__)


async def test_add_existing_customer_by_search_and_enter(sqlite_db) -> None:
    await f.add_customer(sqlite_db, "ada@example.com")
    grace = await f.add_customer(
        sqlite_db, "grace@navy.example", first_name="Grace", last_name="Hopper", company_name="Navy"
    )
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        picker = await press_c(pilot, app, CustomerPickScreen)
        await wait_for(pilot, lambda: len(picker.results) == 2, what="all customers listed")
        await see(pilot, app, "Add customer to order ORD-1")
        await pilot.press(*"hopp")
        await wait_for(pilot, lambda: [c.id for c in picker.results] == [grace], what="match")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer is not None,
            what="linked",
        )
        await see(pilot, app, "grace@navy.example")
    detail = await orders.get_order(sqlite_db, oid)
    assert detail.customer is not None and detail.customer.id == grace
    event = (await audit.order_history(sqlite_db, oid)).items[0]
    assert (event.action, event.operator) == ("linked", "tester")


async def test_create_new_customer_with_every_field(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await press_c(pilot, app, CustomerPickScreen)
        await pilot.press(*NEW["email"])
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
        form = app.screen
        # the typed search became the email; the rest are typed field by field
        assert form.query_one("#field-email", FormField).value == NEW["email"]
        for i, value in enumerate(list(NEW.values())[1:]):
            await pilot.press("tab")
            if i % 3:  # every third field fully typed; the others pasted, then finished by keys
                app.focused.value = value[:-2]
                await pilot.press("end")
                value = value[-2:]
            await pilot.press(*value)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer is not None,
            what="created and linked",
        )
        assert screen.query_one("#order-tabs").active == "customer"
        await wait_for(
            pilot,
            lambda: (
                screen.query_one("#order-status").text
                == f"Added customer {NEW['email']} to order ORD-1."
            ),
            what="says so",
        )
    detail = await orders.get_order(sqlite_db, oid)
    c = detail.customer
    assert c is not None
    got = {name: getattr(c, name) for name in NEW}
    assert got == {**NEW, "country": "US"}
    actions = [e.action for e in (await audit.order_history(sqlite_db, oid)).items]
    assert actions == ["linked", "created"]


async def test_customer_validation_errors_per_field_and_nothing_saved(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    bad = {
        "email": "not-an-email",
        "phone": "call me",
        "postcode": "#1",
        "country": "XX",
        "first_name": "n" * 101,
        "city": "line\nbreak",
    }
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await press_c(pilot, app, CustomerPickScreen)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
        form = app.screen
        for name, value in bad.items():
            form.query_one(f"#field-{name}", FormField).value = value
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_of(form, "email") != "", what="errors")
        assert "one address" in error_of(form, "email")
        assert "digits" in error_of(form, "phone")
        assert "letters, digits" in error_of(form, "postcode")
        assert "ISO 3166" in error_of(form, "country")
        assert "at most 100" in error_of(form, "first_name")
        assert "control characters" in error_of(form, "city")
        assert error_of(form, "last_name") == "" and error_of(form, "company_name") == ""
        assert app.screen is form and app.focused is form.query_one("#email")
        # esc with something typed asks first
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen), what="picker")
    assert (await orders.get_order(sqlite_db, oid)).customer is None
    assert (await customers.search_customers(sqlite_db, "")).items == []


async def test_edit_customer_says_who_shares_it_and_saves(sqlite_db) -> None:
    cid = await f.add_customer(sqlite_db, "ada@example.com")
    oid = await f.add_order(sqlite_db, "ORD-1", customer_id=cid)
    await f.add_order(sqlite_db, "ORD-2", customer_id=cid)
    await f.add_order(sqlite_db, "ORD-3", customer_id=cid)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        form = await press_c(pilot, app, CustomerEditScreen)
        await wait_for(
            pilot,
            lambda: "2 other orders share this customer" in screen_text(app),
            what="shared count",
        )
        assert form.query_one("#field-company_name", FormField).value == "Analytical Engines Ltd"
        form.query_one("#city").focus()
        await pilot.pause()
        await pilot.press(*"London", "tab", "tab", "tab", *"de")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer.city == "London",
            what="saved",
        )
        await wait_for(
            pilot,
            lambda: screen.query_one("#order-status").text == "Saved customer ada@example.com.",
            what="the save says so",
        )
    view = await customers.get_customer(sqlite_db, cid)
    assert (view.city, view.country, view.version) == ("London", "DE", 2)
    event = (await audit.order_history(sqlite_db, oid)).items[0]
    assert (event.action, event.entity, event.operator) == ("updated", "customer", "tester")
    assert event.changes == {"city": ["", "London"], "country": ["", "DE"]}


async def test_relink_to_another_customer(sqlite_db) -> None:
    ada = await f.add_customer(sqlite_db, "ada@example.com")
    bob = await f.add_customer(
        sqlite_db, "bob@example.com", first_name="Bob", last_name="Builder", company_name="Bob & Co"
    )
    oid = await f.add_order(sqlite_db, "ORD-1", customer_id=ada)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await press_c(pilot, app, CustomerEditScreen)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen), what="picker")
        picker = app.screen
        await see(pilot, app, "Change customer of order ORD-1")
        await pilot.press(*"bob")
        await wait_for(pilot, lambda: [c.id for c in picker.results] == [bob], what="match")
        await pilot.press("down", "enter")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer.id == bob,
            what="relinked",
        )
        await wait_for(
            pilot,
            lambda: (
                screen.query_one("#order-status").text
                == "Order ORD-1 now has customer bob@example.com."
            ),
            what="says so",
        )
    detail = await orders.get_order(sqlite_db, oid)
    assert detail.customer is not None and detail.customer.id == bob
    event = (await audit.order_history(sqlite_db, oid)).items[0]
    assert event.changes["customer"] == ["ada@example.com", "bob@example.com"]


async def test_unlink_asks_first(sqlite_db) -> None:
    cid = await f.add_customer(sqlite_db, "ada@example.com")
    oid = await f.add_order(sqlite_db, "ORD-1", customer_id=cid)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        form = await press_c(pilot, app, CustomerEditScreen)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await see(pilot, app, "Unlink customer ada@example.com from order ORD-1?")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form, what="kept")
        assert (await orders.get_order(sqlite_db, oid)).customer is not None
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: app.screen is screen and screen.detail.customer is None, what="unlinked"
        )
        await see(pilot, app, "No customer")
        await see(pilot, app, "Unlinked customer ada@example.com from order ORD-1.")
    assert (await orders.get_order(sqlite_db, oid)).customer is None
    assert (await customers.get_customer(sqlite_db, cid)).email == "ada@example.com"
    event = (await audit.order_history(sqlite_db, oid)).items[0]
    assert (event.action, event.changes["customer"]) == ("unlinked", ["ada@example.com", None])


async def test_taken_email_offers_to_link_that_customer(sqlite_db) -> None:
    ada = await f.add_customer(sqlite_db, "ada@example.com")
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        await press_c(pilot, app, CustomerPickScreen)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
        form = app.screen
        await pilot.press(*"ADA@example.com", "tab", *"Someone")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.taken is not None, what="taken")
        assert "link that customer" in error_of(form, "email")
        await see(pilot, app, "ctrl+g links", "Link that customer")
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer is not None,
            what="linked",
        )
    detail = await orders.get_order(sqlite_db, oid)
    assert detail.customer is not None and detail.customer.id == ada
    assert len((await customers.search_customers(sqlite_db, "")).items) == 1


async def test_customer_conflict_names_the_other_operator(db) -> None:
    """On SQLite and on PostgreSQL: another session saves the customer meanwhile."""
    cid = await f.add_customer(db, "ada@example.com")
    await f.add_order(db, "ORD-1", customer_id=cid)
    app = make_app(db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        form = await press_c(pilot, app, CustomerEditScreen)
        form.query_one("#phone").focus()
        await pilot.pause()
        await pilot.press(*"555 1234")
        await customers.update_customer(db, "carol@host-2", cid, 1, {"phone": "999"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.conflict is not None, what="conflict")
        await see(pilot, app, "carol@host-2", "(Phone)")
        assert (await customers.get_customer(db, cid)).phone == "999"
        await pilot.press("r")
        await wait_for(pilot, lambda: form.conflict is None, what="reloaded")
        assert "now “999” in the database" in error_of(form, "phone")  # saving over it: a choice
        assert error_of(form, "email") == ""
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, CustomerEditScreen), what="saved after reload"
        )
    view = await customers.get_customer(db, cid)
    assert (view.phone, view.version) == ("555 1234", 3)


async def test_picker_pages_from_the_database(sqlite_db) -> None:
    for i in range(45):
        await f.add_customer(
            sqlite_db,
            f"user{i:02d}@example.com",
            first_name="Pat",
            last_name=f"Lee{i:02d}",
            company_name=f"Co {i:02d}",
        )
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        picker = await press_c(pilot, app, CustomerPickScreen)
        await wait_for(pilot, lambda: len(picker.results) == 20, what="first page")
        await wait_for(
            pilot, lambda: "20+ customers · more load at the end" in screen_text(app), what="status"
        )
        await pilot.press("down", "end")  # to the results, then their last row
        await wait_for(pilot, lambda: len(picker.results) == 40, what="second page")
        await pilot.press("end")
        await wait_for(pilot, lambda: len(picker.results) == 45, what="last page")
        assert not picker.cursor
        await wait_for(pilot, lambda: "45 customers" in screen_text(app), what="status")
        assert picker.table.row_count == 45
        await pilot.press("escape")


def test_no_screen_takes_the_app_wide_redraw_key() -> None:
    """ctrl+l repaints everything (app-wide); a dialog binding it would shadow the redraw."""
    import importlib
    import pkgutil

    import orderview.screens as screens
    from textual.screen import Screen

    offenders = []
    for info in pkgutil.walk_packages(screens.__path__, "orderview.screens."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Screen) and obj.__module__ == info.name:
                keys = {
                    k.strip()
                    for b in obj.BINDINGS
                    for k in (b.key if hasattr(b, "key") else b[0]).split(",")
                }
                if "ctrl+l" in keys:
                    offenders.append(obj.__name__)
    assert offenders == []
