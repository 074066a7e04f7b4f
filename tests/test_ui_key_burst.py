"""Keys typed ahead over a slow SSH link arrive in one read: a tab in the burst must move the
following keys to the next field, as if they had been typed slowly (the app hands every key of
a burst to the widget focused when it arrived, before the tab has moved focus)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from orderview.widgets.still_input import StillInput
from textual import events
from textual.pilot import Pilot

from tests import factories as f
from tests.test_ui_managers import box, open_dialog, open_managers_tab
from tests.ui_support import SIZE, make_app

NAMES = {"@": "at", ".": "full_stop", "-": "minus", " ": "space", "+": "plus"}


def burst(app, *keys: tuple[str, str | None]) -> None:
    """Post every key to the app without yielding in between, as the driver does with the
    events it parsed out of one read() of bytes."""
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def typed(text: str) -> list[tuple[str, str]]:
    return [(NAMES.get(char, char), char) for char in text]


TAB: tuple[str, None] = ("tab", None)


async def settle(pilot: Pilot, done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Give the burst time to be handled; the caller asserts on what it left behind."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done() and loop.time() < deadline:
        await pilot.pause()
        await asyncio.sleep(0.02)


async def open_add_dialog(sqlite_db, pilot, app):
    await open_managers_tab(app, pilot)
    dialog = await open_dialog(app, pilot)
    fields = [
        dialog.query_one(f"#{name}", StillInput)
        for name in ("email", "first_name", "last_name", "phone_number")
    ]
    assert app.focused is fields[0]
    return dialog, fields


async def test_tab_in_a_burst_moves_the_rest_of_the_burst_to_the_next_field(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        _dialog, (email, first, last, _phone) = await open_add_dialog(sqlite_db, pilot, app)
        burst(
            app,
            *typed("bob@example.com"),
            TAB,
            *typed("Bob"),
            TAB,
            *typed("Ab"),
            ("backspace", None),
            *typed("x"),
        )
        await settle(pilot, lambda: last.value == "Ax")
        assert (email.value, first.value, last.value) == ("bob@example.com", "Bob", "Ax")
        assert app.focused is last


async def test_shift_tab_in_a_burst_goes_back_a_field(sqlite_db):
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        _dialog, (email, first, _last, _phone) = await open_add_dialog(sqlite_db, pilot, app)
        burst(app, TAB, *typed("Bob"), ("shift+tab", None), *typed("a@b.c"))
        await settle(pilot, lambda: email.value == "a@b.c")
        assert (email.value, first.value) == ("a@b.c", "Bob")
        assert app.focused is email


async def test_keys_after_a_tab_out_of_the_last_field_reach_the_checkbox(sqlite_db):
    """The key passed on is not only for inputs: space after tab ticks the next box, and
    nothing of it lands in the phone field."""
    await f.add_order(sqlite_db, "ORD-1")
    app = make_app(sqlite_db, open_store_id="ORD-1")
    async with app.run_test(size=SIZE) as pilot:
        dialog, (_email, _first, _last, phone) = await open_add_dialog(sqlite_db, pilot, app)
        phone.focus()
        await pilot.pause()
        first_box = box(dialog, "manage_license_users")
        was = first_box.value
        burst(app, *typed("+44 1"), TAB, ("space", " "))
        await settle(pilot, lambda: first_box.value != was)
        assert phone.value == "+44 1"
        assert app.focused is first_box and first_box.value is not was
