"""j/k in every table; the theme picked in the palette is remembered in the config file."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from orderview.screens.orders import OrdersScreen
from orderview.widgets.literal_table import LiteralTable
from textual.command import CommandPalette
from textual.widgets import Input

from orderview.paths import default_config_path
from tests import factories as f
from tests.ui_support import SIZE, loaded_order, make_app, wait_for


async def test_j_and_k_move_in_tables_as_the_arrows_do_but_are_typed_in_text_boxes(
    sqlite_db,
) -> None:
    for i in range(3):
        await f.add_order(sqlite_db, f"JK-{i}", created_at=f.T0.replace(hour=i))
    order_id = await f.add_order(sqlite_db, "JK-L", created_at=f.T0.replace(hour=5))
    product, _ = await f.add_product(sqlite_db)
    await f.add_licenses(sqlite_db, order_id, product, 3)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 4)
        await pilot.press("j")  # in the search box: a letter
        search = screen.query_one("#search", Input)
        assert search.value == "j"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.query_text == "" and screen.table.row_count == 4)
        await pilot.press("down")
        table = screen.table
        assert app.focused is table and table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        assert search.value == ""
        await pilot.press("k", "enter")
        order = await loaded_order(pilot, app)
        assert order.detail.store_id == "JK-L"
        await pilot.press("3")  # Licenses tab: another table
        licenses = order.query_one("#licenses-table", LiteralTable)
        await wait_for(
            pilot,
            lambda: licenses.row_count == 3 and app.focused is licenses,
            what="licenses table",
        )
        start = licenses.cursor_row
        await pilot.press("j")
        assert licenses.cursor_row == start + 1
        await pilot.press("k")
        assert licenses.cursor_row == start


def highlighted_hit(app) -> str:
    """The text of the palette's highlighted hit ("" while there is none)."""
    commands = app.screen.query_one("CommandList")
    index = commands.highlighted
    if index is None or index >= len(commands._options):
        return ""
    return str(getattr(getattr(commands._options[index], "hit", None), "text", ""))


async def pick_theme(pilot, app, name: str) -> None:
    """ctrl+p, "Theme", then the theme by name, as an operator does."""
    await pilot.press("ctrl+p")
    await wait_for(
        pilot, lambda: isinstance(app.screen, CommandPalette), what="palette", timeout=20
    )
    await pilot.press(*"theme")
    # enter runs the highlighted hit: wait until that one is the theme command (under load
    # the other providers' hits may still be arriving and sorting above it)
    await wait_for(
        pilot,
        lambda: highlighted_hit(app).lower().startswith(("theme", "change theme")),
        what="theme command highlighted",
        timeout=20,
    )
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, CommandPalette) and app.screen.query_one(Input).value == "",
        what="theme list",
        timeout=20,
    )
    await pilot.press(*name)
    await wait_for(
        pilot,
        lambda: any(
            str(getattr(o.hit, "text", "")) == name
            for o in app.screen.query_one("CommandList")._options
            if hasattr(o, "hit")
        ),
        what=f"{name} in the list",
        timeout=20,
    )
    await pilot.press("enter")
    await wait_for(
        pilot, lambda: not isinstance(app.screen, CommandPalette), what="closed", timeout=20
    )


async def test_theme_picked_in_the_palette_is_written_and_used_next_time(
    sqlite_db, tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "conf" / "orderview.toml"
    monkeypatch.setenv("ORDERVIEW_CONFIG", str(config))
    assert default_config_path() == config
    app = make_app(sqlite_db)
    app.config_file = default_config_path()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme != "nord"
        await pick_theme(pilot, app, "nord")
        assert app.theme == "nord"
        await wait_for(pilot, config.exists, what="config file", timeout=20)
    assert tomllib.loads(config.read_text()) == {"theme": "nord"}
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

    from orderview.settings import load_settings

    settings = load_settings()  # ORDERVIEW_CONFIG names the file
    assert settings.theme == "nord"
    again = make_app(sqlite_db, theme=settings.theme)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_an_unknown_theme_setting_is_ignored(sqlite_db) -> None:
    app = make_app(sqlite_db, theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
