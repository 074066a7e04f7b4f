"""The hostile corpus on every screen that shows it: orders table, order header, Details,
Customer tab, License manager tab, History. Shown literally (controls as visible stand-ins), no
widget crashes, no action runs, and the rest of the layout stays where it was.

Typing the corpus by keys into the dialogs: tests/test_ui_edit_history.py (every Edit order and
Customer field), tests/test_ui_managers.py (Add manager), and the typed round trip below.
"""

from __future__ import annotations

from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.history import HistoryScreen
from orderview.screens.order import OrderScreen
from rich.cells import cell_len
from sqlalchemy import select

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Customer, LicenseManager, Order, OrderManager
from orderview.safetext import visible
from orderview.services import orders
from orderview.services.normalize import customer_keys, lc
from tests.hostile_corpus import BY_NAME
from tests.test_ui_edit_history import type_text
from tests.ui_support import SIZE, make_app, screen_text, wait_for

SHOWN = [
    "click_simulate",
    "csi_clear",
    "osc_title",
    "c1_csi",
    "bel",
    "carriage_return",
    "bidi_override",
    "cjk_wide",
    "emoji",
    "long",
    "csv_hyperlink",
    "combining",
]
PLAIN = "Plain Company"


async def seed(db: Database, texts: list[str]) -> list[int]:
    """One order per text, written like an import would (no schema), plus a plain one."""
    ids = []
    async with db.sessions.begin() as s:
        for i, text in enumerate([PLAIN, *texts]):
            email = f"h{i}@example.com"
            c = Customer(
                email=email,
                first_name=text[:100],
                company_name=text[:200],
                city=text[:100],
                **customer_keys(email, text[:100], "", text[:200]),
            )
            s.add(c)
            await s.flush()
            o = Order(
                store_id=f"H-{i:02d}",
                store_id_lc=f"h-{i:02d}",
                reference=text[:100],
                reference_lc=lc(text[:100]),
                campaign_params=text[:500],
                customer_id=c.id,
            )
            s.add(o)
            m = LicenseManager(
                email=f"m{i}@example.com", email_lc=f"m{i}@example.com", first_name=text[:100]
            )
            s.add(m)
            await s.flush()
            s.add(OrderManager(order_id=o.id, manager_id=m.id, permissions=["reset_device"]))
            s.add(
                AuditEvent(
                    operator=text[:200],
                    action="updated",
                    entity="order",
                    entity_id=o.id,
                    entity_version=2,
                    order_id=o.id,
                    order_store_id=o.store_id,
                    summary=text,
                    changes={"reference": ["", text]},
                )
            )
            ids.append(o.id)
    return ids


def check_layout(text: str, footer: str) -> None:
    lines = text.splitlines()
    assert len(lines) == SIZE[1]
    assert all(cell_len(line) <= SIZE[0] for line in lines), [
        line for line in lines if cell_len(line) > SIZE[0]
    ]
    assert lines[-1] == footer  # the footer is still the bottom line, unchanged
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


def needle(text: str, length: int = 12) -> str:
    """What the screen must show: the start of the visible form (wide-safe, no trailing
    combining marks to split)."""
    return visible(text)[:length]


async def test_corpus_shown_literally_on_every_screen(sqlite_db: Database) -> None:
    texts = [BY_NAME[name] for name in SHOWN]
    ids = await seed(sqlite_db, texts)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await wait_for(pilot, lambda: home.table.row_count == len(ids), what="orders table")
        await pilot.pause()
        cells = [c.plain for row in range(home.table.row_count) for c in home.table.get_row_at(row)]
        assert not any(ch in "".join(cells) for ch in "\x1b\x07\x9b\r\n")
        for oid, (i, text) in zip(ids, enumerate([PLAIN, *texts]), strict=True):
            app.push_screen(OrderScreen(oid))
            await wait_for(
                pilot,
                lambda oid=oid: (
                    isinstance(app.screen, OrderScreen)
                    and app.screen.detail is not None
                    and app.screen.detail.id == oid
                ),
                what=f"order {i}",
            )
            screen = app.screen
            await wait_for(pilot, lambda i=i: f"Order H-{i:02d}" in screen_text(app), what="header")
            shown = screen_text(app)
            if i == 0:
                footers = {"details": shown.splitlines()[-1]}
                tabs_row = next(
                    n
                    for n, line in enumerate(shown.splitlines())
                    if "Details" in line and "Customer" in line
                )
            check_layout(shown, footers["details"])
            assert shown.splitlines()[tabs_row].strip().startswith("Details")
            assert needle(text) in shown  # header and Details tab
            for key, pane in (("2", "customer"), ("4", "managers")):
                await pilot.press(key)
                await wait_for(pilot, lambda p=pane, s=screen: s.pane(p) is not None, what=pane)
                await pilot.pause()
                shown = screen_text(app)
                footers.setdefault(pane, shown.splitlines()[-1])
                check_layout(shown, footers[pane])
                if pane == "customer":
                    assert needle(text, 8) in shown, (i, pane)
                else:
                    table = screen.pane("managers").table
                    await wait_for(pilot, lambda t=table: t.row_count == 1, what="managers")
                    row = "".join(c.plain for c in table.get_row_at(0))
                    assert needle(text, 8) in row and "\x1b" not in row
            await pilot.press("h")
            await wait_for(
                pilot,
                lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.events) == 1,
                what="history",
            )
            await pilot.pause()
            shown = screen_text(app)
            assert "\x1b" not in shown and "\x07" not in shown
            assert all(cell_len(line) <= SIZE[0] for line in shown.splitlines())
            assert needle(text, 8) in shown, (i, "history")
            await pilot.press("escape")
            await wait_for(pilot, lambda s=screen: app.screen is s, what="history closed")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is home, what="back home")
        assert app.is_running  # no [@click=...] ran: the app did not quit, nothing deleted
    async with sqlite_db.sessions() as s:
        assert len(list(await s.scalars(select(Order.id)))) == len(ids)


TYPED = ["click_simulate", "sql_drop", "csv_hyperlink", "emoji"]


async def test_corpus_typed_into_edit_order_saved_and_searched(sqlite_db: Database) -> None:
    """Every key of every typed string reaches the field as text: no binding fires (the
    simulate_key('D') string contains a D), the saved value equals what was typed, and the
    search box finds the order by it."""
    from tests import factories as f

    oid = await f.add_order(sqlite_db, "ORD-T")
    app = make_app(sqlite_db, open_store_id="ORD-T")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="order",
        )
        screen = app.screen
        for n, name in enumerate(TYPED, start=2):
            text = BY_NAME[name][:100]
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="edit")
            app.screen.query_one("#reference").value = ""
            await type_text(pilot, app, text)
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda n=n: app.screen is screen and screen.detail.version == n,
                what=f"saved {name}",
            )
            # Textual's Input takes only printable key presses: a zero-width joiner typed on
            # its own is dropped (pasted, it stays). Everything else arrives as typed.
            assert screen.detail.reference == text.replace("\u200d", ""), name
            assert app.is_running
            found = await orders.search_orders(sqlite_db, text[:5])
            assert oid in [o.id for o in found.items], name
    stored = (await orders.get_order(sqlite_db, oid)).reference
    assert stored == BY_NAME[TYPED[-1]][:100].replace("\u200d", "")


async def test_type_ahead_burst_keeps_its_order(sqlite_db: Database) -> None:
    """Keys arriving in one packet (a slow SSH link) apply in the order typed, bound editing
    keys included: ``ab<ctrl+u>H-0<backspace>1<home>x`` is ``xH-1``, not a jumble."""
    from textual import events

    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        search = app.screen.query_one("#search")
        await wait_for(pilot, lambda: search.has_focus, what="search box")
        for key, char in [
            ("a", "a"),
            ("b", "b"),
            ("ctrl+u", None),
            ("H", "H"),
            ("minus", "-"),
            ("0", "0"),
            ("backspace", None),
            ("1", "1"),
            ("home", None),
            ("x", "x"),
        ]:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)  # no pause between keys: one burst
        await wait_for(pilot, lambda: search.value == "xH-1", what=f"xH-1, got {search.value!r}")


async def test_corpus_typed_into_the_new_order_wizard(sqlite_db: Database) -> None:
    """The wizard's Order ID and reference typed with markup and SQL look-alikes: stored as
    typed, shown literally, no action runs (a markup 'email' for its new customer is refused:
    test_properties_schemas.py::test_new_order)."""
    from tests.test_ui_issue_wizard import finish_default_line, start_new_order
    from tests.test_ui_issue_wizard import seed as seed_catalog

    await seed_catalog(sqlite_db)
    store_id, reference = BY_NAME["click_simulate"], BY_NAME["sql_drop"]
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await start_new_order(pilot, app)
        await type_text(pilot, app, store_id)
        await pilot.press("enter")
        await type_text(pilot, app, reference)
        await pilot.press(*["enter"] * 7)  # campaign … trial order, no customer
        await finish_default_line(pilot, app)
        detail = app.screen.detail
        assert (detail.store_id, detail.reference) == (store_id, reference)
        assert f"Order {store_id}" in screen_text(app) and app.is_running
    found = await orders.search_orders(sqlite_db, store_id)
    assert found.items[0].store_id == store_id
