"""`orderview` and `orderview open ORDER_ID`: what starts the app (the app itself is mocked)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import orderview.app as app_module
from orderview.cli import main
from tests import factories as f


@pytest.fixture
def runs(monkeypatch) -> list[dict[str, object]]:
    """Record each app start instead of taking over the terminal."""
    started: list[dict[str, object]] = []

    async def fake_run_async(self, **kwargs):
        started.append(
            {
                "open_store_id": self.open_store_id,
                "operator": self.operator,
                "mouse": kwargs.get("mouse"),
                "animation": self.animation_level,
            }
        )

    monkeypatch.setattr(app_module.OrderviewApp, "run_async", fake_run_async)
    return started


def seed(path: Path) -> None:
    from orderview.db.engine import open_database

    async def go() -> None:
        db = open_database(str(path))
        await f.add_order(db, "ORD-1001")
        await db.dispose()

    asyncio.run(go())


def test_open_unknown_order_is_one_line_error_without_ui(sqlite_path, runs, capsys) -> None:
    code = main(["open", "NOPE-1", "--db", str(sqlite_path)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.strip() == "orderview: error: no order with Order ID 'NOPE-1'"
    assert runs == []


def test_open_known_order_starts_app_on_it(sqlite_path, runs) -> None:
    seed(sqlite_path)
    assert main(["open", "ORD-1001", "--db", str(sqlite_path), "--operator", "ann"]) == 0
    assert runs == [
        {"open_store_id": "ORD-1001", "operator": "ann", "mouse": True, "animation": "none"}
    ]


def test_default_command_starts_on_the_orders_screen(sqlite_path, runs, monkeypatch) -> None:
    monkeypatch.setenv("ORDERVIEW_MOUSE", "false")
    assert main(["--db", str(sqlite_path)]) == 0
    assert runs == [
        {"open_store_id": None, "operator": "tester", "mouse": False, "animation": "none"}
    ]


def test_stylesheet_ships_inside_the_installed_packages() -> None:
    from importlib.resources import files

    sheet = files("orderview.styles").joinpath("app.tcss")
    assert sheet.is_file()
    assert "#order-tabs" in app_module.stylesheet()
    assert app_module.stylesheet() == app_module.OrderviewApp.CSS
