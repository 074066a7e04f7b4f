"""History by keys, and hostile strings typed into every field, saved and shown back literally."""

from __future__ import annotations

from orderview.screens.customer_edit import CustomerEditScreen
from orderview.screens.customer_pick import CustomerPickScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.history import HistoryScreen
from orderview.screens.order import OrderScreen
from orderview.widgets.form_field import FormField
from textual import events
from textual.keys import _character_to_key

from orderview.services import audit, customers, order_edit, orders
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, screen_text, see, wait_for


async def type_text(pilot, app, text: str) -> None:
    """Type like a terminal does: one key event per character, emoji included (Pilot.press
    cannot look up characters whose Unicode name has several words, such as emoji)."""
    for ch in text:
        key = ch if ch.isalnum() else _character_to_key(ch)
        event = events.Key(key, ch)
        event.set_sender(app)
        app._driver.send_message(event)
        await pilot.pause()


async def test_history_newest_first_with_operators_and_paging(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1", reference="r0")
    version = 1
    for i in range(1, 26):  # 25 edits by two operators: more than one page
        who = "alice" if i % 2 else "bob@10.0.0.5"
        await order_edit.update_order(sqlite_db, who, oid, version, {"reference": f"r{i}"})
        version += 1
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await pilot.press("h")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.events) == 20,
            what="first page",
        )
        history = app.screen
        await wait_for(pilot, lambda: "20 newest events shown" in screen_text(app), what="status")
        text = screen_text(app)
        lines = text.splitlines()
        assert "History of order ORD-1" in text
        newest = next(i for i, line in enumerate(lines) if "alice  updated order" in line)
        assert 'Reference: "r24" → "r25"' in lines[newest + 1]
        assert all(len(line) <= 80 for line in lines)
        assert history.has_more
        assert "m Older" in lines[-1]  # the footer offers older events while there are some
        await pilot.press("end")  # scrolling to the end loads the older events
        await wait_for(pilot, lambda: len(history.events) == 25, what="second page")
        await wait_for(pilot, lambda: "all 25 events shown" in screen_text(app), what="status")
        await wait_for(
            pilot,
            lambda: "m Older" not in screen_text(app).splitlines()[-1],
            what="no m Older once all are shown",
        )
        await pilot.press("end")
        await see(pilot, app, 'Reference: "r0" → "r1"')
        assert "bob@10.0.0.5" in str(
            history.query_one("#event-" + str(history.events[1].id)).render()
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="closed")


HOSTILE_ORDER = {
    "reference": "[/b] ACME [Ltd]",
    "campaign_params": "[@click=app.quit]x[/]",
    "download_id": "顧客😀[red]",
    "language": "zh-Hant-TW",
}
HOSTILE_CUSTOMER = {
    "email": "o'neil+x@example.com",
    "first_name": "[@click=app.quit]",
    "last_name": "💀 顧客 [/]",
    "company_name": "[/b] ACME [Ltd]",
    "reference": "\\x1b[2J",
    "address": "[link=http://evil]here[/link]",
    "city": "東京 [i]x",
    "state": "A" * 30,
}


async def test_hostile_strings_typed_saved_and_shown_literally(sqlite_db) -> None:
    oid = await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded_order(pilot, app)
        # every order field, typed
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="edit")
        for i, value in enumerate(HOSTILE_ORDER.values()):
            if i:
                await pilot.press("tab")
            await type_text(pilot, app, value)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: app.screen is screen and screen.detail.version == 2, what="order saved"
        )
        assert app.is_running  # [@click=app.quit] did nothing
        await see(pilot, app, *HOSTILE_ORDER.values())
        # every customer text field, typed (into a new customer)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen), what="picker")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
        form = app.screen
        for name, value in HOSTILE_CUSTOMER.items():
            form.query_one(f"#{name}").focus()
            await pilot.pause()
            await type_text(pilot, app, value)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.detail.customer is not None,
            what="customer saved",
        )
        await see(pilot, app, *(v for k, v in HOSTILE_CUSTOMER.items() if k != "state"))
        assert app.is_running
        # the history shows them literally too
        await pilot.press("h")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.events) == 3,
            what="history",
        )
        await see(pilot, app, '"[/b] ACME [Ltd]"', "tester  updated order")
    detail = await orders.get_order(sqlite_db, oid)
    assert detail.reference == "[/b] ACME [Ltd]" and detail.download_id == "顧客😀[red]"
    assert detail.customer is not None
    assert {name: getattr(detail.customer, name) for name in HOSTILE_CUSTOMER} == HOSTILE_CUSTOMER


async def test_control_characters_and_huge_values_are_refused_visibly(sqlite_db) -> None:
    cid = await f.add_customer(sqlite_db, "ada@example.com")
    oid = await f.add_order(sqlite_db, "ORD-1", customer_id=cid)
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded_order(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
        form = app.screen
        # pasted: a terminal-clearing escape, a bidi override, and 10,000 characters
        form.query_one("#field-first_name", FormField).value = "EVIL\x1b[2J\x1b[1;1HPWNED"
        form.query_one("#field-city", FormField).value = "Zürich \u202etxt"
        form.query_one("#field-address", FormField).value = "A" * 10_000
        form.query_one("#company_name").focus()
        await pilot.press(*"[b]ok")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: form.query_one("#field-first_name", FormField).error.has_class("-shown"),
            what="errors",
        )
        await see(
            pilot,
            app,
            "EVIL␛[2J␛[1;1HPWNED",  # drawn, not obeyed
            "must not contain control characters",
        )
        assert "\x1b" not in screen_text(app)
        address = form.query_one("#field-address", FormField).error
        assert "at most 300 characters" in str(address.render())
        assert form.query_one("#field-city", FormField).error.has_class("-shown")
        assert isinstance(app.screen, CustomerEditScreen)
    view = await customers.get_customer(sqlite_db, cid)
    assert (view.first_name, view.company_name, view.version) == (
        "Ada",
        "Analytical Engines Ltd",
        1,
    )
    assert (await audit.order_history(sqlite_db, oid)).items == []
