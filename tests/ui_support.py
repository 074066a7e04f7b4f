"""Helpers for the Pilot tests: build the app over a test database, wait for workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from orderview.screens.order import OrderScreen
from orderview.widgets.form_field import FormField
from textual.pilot import Pilot
from textual.screen import Screen

from orderview.app import OrderviewApp
from orderview.db.engine import Database
from orderview.settings import Settings

SIZE = (80, 24)
ScreenT = TypeVar("ScreenT", bound=Screen)


def make_app(db: Database, open_store_id: str | None = None, **settings: object) -> OrderviewApp:
    return OrderviewApp(
        db, Settings(db=str(db.url), **settings), "tester", open_store_id=open_store_id
    )


async def wait_for(
    pilot: Pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition"
) -> None:
    """Pause until ``predicate()`` is true (workers run DB queries in the background). The
    default timeout is generous: on CI's two loaded cores a screen has taken over 5 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause()
        try:
            if predicate():
                return
        except Exception:  # widgets not mounted yet
            pass
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def screen_text(app: OrderviewApp) -> str:
    """What the terminal shows, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def loaded_order(pilot: Pilot, app: OrderviewApp, what: str = "order screen") -> OrderScreen:
    """Wait until the order screen is up with its order loaded; return it."""
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
        what=what,
    )
    return app.screen


async def open_dialog(
    pilot: Pilot, app: OrderviewApp, key: str, kind: type[ScreenT], what: str = "dialog"
) -> ScreenT:
    """Press ``key`` and wait for the ``kind`` screen it opens (drawn, for a destructive
    confirmation: it takes only keys typed after that); return it."""
    await pilot.press(key)
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, kind) and getattr(app.screen, "shown_at", 0) is not None,
        what=what,
    )
    return app.screen


async def see(pilot: Pilot, app: OrderviewApp, *needles: str) -> None:
    """Wait until every needle is on screen (repaints trail the state they show)."""
    await wait_for(
        pilot, lambda: all(n in screen_text(app) for n in needles), what=f"{needles!r} on screen"
    )


def error_of(dialog: Screen, name: str) -> str:
    """The message shown under a dialog's field ``name`` ("" when none is shown)."""
    form = dialog.query_one(f"#field-{name}", FormField)
    return str(form.error.render()) if form.error.has_class("-shown") else ""
