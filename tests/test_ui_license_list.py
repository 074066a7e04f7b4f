"""The Licenses tab by keys: filter (/ typed, s status, p product), sort (o), counts, selection
(space, a) and the bulk dialog (b: dry run, y or the typed count, a change by another desk
shown as such, keys typed before the dry run ignored, viewers refused)."""

from __future__ import annotations

import asyncio
from datetime import date

from orderview.screens.license_bulk import BulkScreen
from sqlalchemy import select, update
from textual import events

from orderview.app import OrderviewApp
from orderview.db.models import AuditEvent, License
from orderview.roles import Actor
from orderview.services import license_bulk
from orderview.settings import Settings
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, screen_text, wait_for

END = date(2099, 1, 1)


async def _seed(db, count: int = 150) -> tuple[int, list[str]]:
    app_product, _ = await f.add_product(db, "APP", "App Pro")
    tool, _ = await f.add_product(db, "TOOL", "Tool")
    order = await f.add_order(db, "ORD-1")
    keys = await f.add_licenses(
        db, order, app_product, count - 3, validity_period=END, license_type="time-limited"
    )
    keys += await f.add_licenses(
        db, order, tool, 3, validity_period=END, license_type="time-limited", enabled=False
    )
    return order, keys


def _app(db, role: str = "operator") -> OrderviewApp:
    return OrderviewApp(
        db,
        Settings(db=str(db.url)),
        Actor("olga", role),
        open_store_id="ORD-1",
    )


async def _tab(pilot, app):
    screen = await loaded_order(pilot, app)
    await pilot.press("3")
    await wait_for(
        pilot,
        lambda: screen.pane("licenses") is not None and screen.pane("licenses").table.row_count > 0,
        what="licenses",
    )
    return screen.pane("licenses")


def _status(pane) -> str:
    return pane.query_one("#licenses-status").text


async def _licenses(db):
    async with db.sessions() as s:
        return list((await s.execute(select(License).order_by(License.id))).scalars())


async def test_filter_by_typing_status_product_and_sort(sqlite_db) -> None:
    _, keys = await _seed(sqlite_db)
    app = _app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        target = keys[40]
        await pilot.press("slash", *target[:9].lower())
        await wait_for(
            pilot,
            lambda: (
                [r.license_key for r in pane.rows]
                == sorted(k for k in keys if k.startswith(target[:9]))
            ),
            what="filtered",
        )
        assert _status(pane).startswith(f"{len(pane.rows)} of 150 licenses")
        assert target in screen_text(app)
        await pilot.press("escape")  # back to the table; the filter stays
        await wait_for(pilot, lambda: app.focused is pane.table, what="table focus")
        await pilot.press("slash", *["backspace"] * 9, "enter")
        await wait_for(
            pilot, lambda: _status(pane).startswith("showing 1–100 of 150"), what="unfiltered"
        )
        await pilot.press("s", "s", "s")  # active → inactive → disabled
        await wait_for(
            pilot,
            lambda: _status(pane).startswith("3 of 150 licenses") and "disabled" in _status(pane),
            what="disabled only",
        )
        assert {r.status for r in pane.rows} == {"Disabled"}
        await pilot.press("s", "s")  # expired, then all again
        await wait_for(
            pilot, lambda: _status(pane).startswith("showing 1–100 of 150"), what="all statuses"
        )
        await pilot.press("p")  # APP
        await wait_for(
            pilot,
            lambda: (
                _status(pane).startswith("147 of 150 licenses · 1–100") and "APP" in _status(pane)
            ),
            what="product APP",
        )
        await pilot.press("p", "o")  # TOOL, sorted by key
        await wait_for(pilot, lambda: "TOOL · by key" in _status(pane), what="TOOL by key")
        assert [r.license_key for r in pane.rows] == sorted(keys[-3:])


async def test_bulk_disable_chosen_rows_after_a_dry_run(sqlite_db) -> None:
    _order, keys = await _seed(sqlite_db)
    app = _app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        await pilot.press("space", "space")  # the first two rows (the cursor moves down)
        await wait_for(pilot, lambda: "2 selected" in _status(pane), what="two selected")
        assert f"✓{keys[0]}"[:17] in screen_text(app)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), what="bulk dialog")
        await pilot.press("d")
        await wait_for(
            pilot, lambda: "2 licenses of 2 selected licenses" in screen_text(app), what="dry run"
        )
        assert keys[0] in screen_text(app) and "y go ahead" in screen_text(app)
        assert all(r.enabled for r in (await _licenses(sqlite_db))[:2])  # nothing yet
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), what="closed")
        await wait_for(
            pilot, lambda: _status(pane).startswith("Disabled 2 licenses."), what="what was done"
        )
        rows = await _licenses(sqlite_db)
        assert [(r.enabled, r.version) for r in rows[:3]] == [(False, 2), (False, 2), (True, 1)]
        assert pane.rows[0].status == "Disabled"


async def test_bulk_extend_all_that_match_needs_the_count_typed(sqlite_db) -> None:
    await _seed(sqlite_db)
    app = _app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        await pilot.press("a", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), what="bulk dialog")
        await pilot.press("x", *"30", "enter")
        await wait_for(
            pilot,
            lambda: "enter a number and d, m or y" in screen_text(app),
            what="the field's message",
        )
        await pilot.press("d", "enter")
        await wait_for(
            pilot, lambda: "Type 150 and press enter" in screen_text(app), what="typed confirmation"
        )
        await pilot.press("y", *"149", "enter")
        await wait_for(pilot, lambda: "Type 150 exactly" in screen_text(app), what="refused")
        await pilot.press("backspace", "backspace", "backspace", *"150", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), what="closed")
        await wait_for(
            pilot, lambda: _status(pane).startswith("Extended 150 licenses."), what="done"
        )
    assert {r.validity_period for r in await _licenses(sqlite_db)} == {date(2099, 1, 31)}
    async with sqlite_db.sessions() as s:
        (event,) = (await s.execute(select(AuditEvent))).scalars()
    assert event.changes == {"validity_period": ["2099-01-01", "+30d"]}
    assert event.operator == "olga"


async def test_keys_typed_before_the_dry_run_and_a_change_by_another_desk(
    sqlite_db, monkeypatch
) -> None:
    _, keys = await _seed(sqlite_db)
    gate = asyncio.Event()
    real = license_bulk.bulk_preview

    async def slow_preview(*args, **kwargs):
        await gate.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(license_bulk, "bulk_preview", slow_preview)
    app = _app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        await pilot.press("space", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), what="bulk dialog")
        await pilot.press("d", "y")  # y typed before the dry run is on screen
        gate.set()
        await wait_for(pilot, lambda: "y go ahead" in screen_text(app), what="dry run")
        await pilot.pause(0.1)
        assert isinstance(app.screen, BulkScreen)
        assert (await _licenses(sqlite_db))[0].enabled
        # A key the terminal sent before the dry run was drawn (held and handed on late):
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.shown_at is not None, what="drawn")
        late = events.Key("y", "y")
        late.time = dialog.shown_at - 0.05
        dialog.post_message(late)
        await wait_for(
            pilot,
            lambda: "1 key typed before the dry run appeared ignored" in screen_text(app),
            what="ignored",
        )
        assert (await _licenses(sqlite_db))[0].enabled
        async with sqlite_db.sessions.begin() as s:  # another desk changes that license
            await s.execute(
                update(License)
                .where(License.license_key == keys[0])
                .values(version=License.version + 1, note="theirs")
            )
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: "some of the selected licenses changed" in screen_text(app),
            what="the conflict",
        )
        assert (await _licenses(sqlite_db))[0].enabled
        await pilot.pause(0.1)
        await pilot.press("y")  # confirming what it shows now
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), what="closed")
        await wait_for(pilot, lambda: _status(pane).startswith("Disabled 1 license."), what="done")


async def test_a_viewer_is_told_why_and_nothing_opens(sqlite_db) -> None:
    await _seed(sqlite_db, count=5)
    app = _app(sqlite_db, role="viewer")
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        await pilot.press("a", "b")
        await wait_for(
            pilot,
            lambda: "viewer: changing licenses is not allowed" in _status(pane),
            what="refusal",
        )
        assert not isinstance(app.screen, BulkScreen)


async def test_hostile_corpus_typed_into_the_filter_box(sqlite_db) -> None:
    """Every corpus string typed (or pasted) into the filter box, over licenses whose user
    email is that string (as an import would store it): the box holds what was typed, the tab
    lists exactly what the service finds, literally, and the screen stays whole."""
    from orderview.services import license_query as lq
    from orderview.services.normalize import lc
    from tests.hostile_corpus import CORPUS
    from tests.test_hostile_typed_dialogs import check_screen, enter_text

    order, _ = await _seed(sqlite_db, count=5)
    async with sqlite_db.sessions.begin() as s:
        for _, text in CORPUS:
            s.add(
                License(
                    order_id=order,
                    product_id=1,
                    user_email=text[:254],
                    user_email_lc=lc(text[:254]),
                    created_at=f.T0,
                    updated_at=f.T0,
                )
            )
    app = _app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _tab(pilot, app)
        await pilot.press("slash")
        box = pane.filter_box
        await wait_for(pilot, lambda: app.focused is box, what="filter box")
        for name, text in CORPUS:
            typed = await enter_text(pilot, app, box, text)
            await wait_for(
                pilot,
                lambda typed=typed: pane.finding.text == typed and not pane._fetching,
                what=f"filtered by {name}",
            )
            want = await lq.page_filtered(sqlite_db, order, pane.finding, limit=100)
            assert [r.id for r in pane.rows] == [r.id for r in want.items], name
            check_screen(app)
            for row in range(pane.table.row_count):
                cells = "".join(c.plain for c in pane.table.get_row_at(row))
                assert not any(ch in cells for ch in "\x1b\x07\x9b\r\n"), cells
        assert app.is_running
