"""The Licenses tab's count by keys: a filter over the cap shows "N+" with its first page, then
the exact number once the background count arrives; a newer filter supersedes a pending exact
count (its number is never shown against the newer filter). The cap is made small here
(``license_query.COUNT_CAP``) so the data stay small; the exact count is held back by a gate."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from orderview.screens.license_bulk import BulkScreen

from orderview.services import license_query as lq
from tests.test_ui_license_list import _app, _seed, _status, _tab
from tests.ui_support import screen_text, wait_for

CAP = 120  # over a first page (100 rows), under the 147 and 150 that match below


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> list[tuple[lq.LicenseFilter, asyncio.Event]]:
    """Each exact count waits for its own event: (its filter, the event), in call order."""
    monkeypatch.setattr(lq, "COUNT_CAP", CAP)
    real = lq.count_filtered
    gates: list[tuple[lq.LicenseFilter, asyncio.Event]] = []

    async def count_filtered(db: Any, order: int, flt: lq.LicenseFilter, **kwargs: Any) -> int:
        gate = asyncio.Event()
        gates.append((flt, gate))
        await gate.wait()
        return await real(db, order, flt, **kwargs)

    monkeypatch.setattr(lq, "count_filtered", count_filtered)
    return gates


async def test_capped_count_first_then_the_exact_one(sqlite_db, gated) -> None:
    await _seed(sqlite_db)  # 147 APP, 3 TOOL
    app = _app(sqlite_db)
    async with app.run_test(size=(100, 24)) as pilot:
        pane = await _tab(pilot, app)
        for _, gate in gated:  # the tab's own first load, if it counted (150, over the cap)
            gate.set()
        gated.clear()
        await pilot.press("p")  # APP: 147 match, over the cap of 120
        await wait_for(
            pilot, lambda: _status(pane).startswith("120+ of 150 licenses · 1–100"), what="120+"
        )
        assert len(pane.rows) == 100 and not pane.total_exact
        await pilot.press("a")  # all that match: "120+ selected" until the exact count is known
        await wait_for(pilot, lambda: "120+ selected" in _status(pane), what="120+ selected")
        # The bulk dialog says "120+" too, and its dry run and typed confirmation are exact.
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), what="bulk dialog")
        assert "120+ licenses selected" in screen_text(app)
        await pilot.press("d")
        await wait_for(
            pilot, lambda: "Type 147 and press enter" in screen_text(app), what="exact dry run"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), what="closed")
        assert [f.product_id for f, _ in gated] == [pane.finding.product_id]  # in the background
        gated[0][1].set()
        await wait_for(
            pilot, lambda: _status(pane).startswith("147 of 150 licenses · 1–100"), what="exact"
        )
        assert "147 selected" in _status(pane) and pane.total_exact
        await pilot.press("p")  # TOOL: 3 match, under the cap: exact at once, no exact count
        await wait_for(pilot, lambda: _status(pane).startswith("3 of 150 licenses"), what="TOOL")
        assert len(gated) == 1


async def test_a_new_filter_supersedes_a_pending_exact_count(sqlite_db, gated) -> None:
    await _seed(sqlite_db)
    app = _app(sqlite_db)
    async with app.run_test(size=(100, 24)) as pilot:
        pane = await _tab(pilot, app)
        for _, gate in gated:  # the tab's own first load, if it counted
            gate.set()
        gated.clear()
        await pilot.press("p")  # APP: 147, its exact count held back
        await wait_for(pilot, lambda: _status(pane).startswith("120+ of 150"), what="APP 120+")
        await pilot.press("p")  # TOOL: 3, exact at once (no count of its own to wait for)
        await wait_for(pilot, lambda: _status(pane).startswith("3 of 150"), what="TOOL")
        gated[0][1].set()  # APP's 147 arrives late: dropped
        await _settle(pilot)
        assert _status(pane).startswith("3 of 150 licenses"), _status(pane)
        await pilot.press("p")  # every product again: 150, over the cap, counted again
        await wait_for(
            pilot, lambda: _status(pane).startswith("showing 1–100 of 120+ licenses"), what="all"
        )
        await pilot.press("p")  # APP again, over the cap: its own exact count pending
        await wait_for(pilot, lambda: _status(pane).startswith("120+ of 150"), what="APP again")
        await wait_for(pilot, lambda: len(gated) == 3, what="three exact counts")
        assert [f.product_id is None for f, _ in gated] == [False, True, False]
        gated[1][1].set()  # every product's 150 arrives after APP was chosen again: dropped
        await _settle(pilot)
        assert _status(pane).startswith("120+ of 150 licenses"), _status(pane)
        assert not pane.total_exact
        gated[2][1].set()
        await wait_for(pilot, lambda: _status(pane).startswith("147 of 150"), what="APP exact")
        assert pane.total_exact


async def _settle(pilot) -> None:
    for _ in range(10):
        await pilot.pause()
        await asyncio.sleep(0.01)
