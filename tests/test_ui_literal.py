"""Everything from the database is shown literally: markup inert, controls visible, no crash."""

from __future__ import annotations

import pytest

from screens.order import OrderScreen
from tests import factories as f
from tests.ui_support import SIZE, make_app, screen_text, wait_for

HOSTILE = [
    ("[/b] ACME [Ltd]", "[/b] ACME [Ltd]"),
    ("EVIL\x1b[2J\x1b[1;1HPWNED", "EVIL␛[2J␛[1;1HPWNED"),
    ("[@click=app.quit]Click me[/]", "[@click=app.quit]Click me[/]"),
    ("bell\x07back\x08cr\rnl\n", "bell␇back␈cr␍nl␊"),
    ("[bold red]loud[/bold red]", "[bold red]loud[/bold red]"),
]


@pytest.mark.parametrize(("stored", "shown"), HOSTILE)
async def test_hostile_customer_names_render_as_text(sqlite_db, stored: str, shown: str) -> None:
    customer = await f.add_customer(sqlite_db, email="evil@example.com", first_name="x",
                                    last_name="y", company_name=stored, city=stored)
    await f.add_order(sqlite_db, "ORD-EVIL", reference=stored, customer_id=customer)
    product, _ = await f.add_product(sqlite_db)
    manager_order = await f.add_order(sqlite_db, "ORD-MGR")
    await f.add_manager(sqlite_db, manager_order, email="m@example.com", first_name=stored)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.table.row_count == 2)
        text = screen_text(app)
        assert shown[:20] in text  # the orders table (reference and customer columns)
        assert "\x1b" not in text and "\x07" not in text

        await pilot.press(*"ORD-EVIL", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen)
                       and app.screen.detail is not None)
        await pilot.pause()
        text = screen_text(app)
        assert shown[:30] in text  # header line and the Details tab
        await pilot.press("2")
        await wait_for(pilot, lambda: app.screen.pane("customer") is not None)
        await pilot.pause()
        assert f"Company:    {shown}" in screen_text(app)
        assert app.is_running  # a [@click=app.quit] name is not a link that quit the app
        await pilot.press("escape")
        app.screen.query_one("#search").value = ""
        await pilot.press(*"ORD-MGR", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen)
                       and app.screen.detail is not None
                       and app.screen.detail.store_id == "ORD-MGR")
        await pilot.press("4")
        await wait_for(pilot, lambda: app.screen.pane("managers") is not None
                       and app.screen.pane("managers").table.row_count == 1)
        cells = [c.plain for c in app.screen.pane("managers").table.get_row_at(0)]
        assert any(shown in c or c.startswith(shown[:20]) for c in cells), cells
