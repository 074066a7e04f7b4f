"""Everything from the database is shown literally: markup inert, controls visible, no crash."""

from __future__ import annotations

from orderview.screens.order import OrderScreen
from orderview.screens.orders import OrdersScreen

from tests import factories as f
from tests.ui_support import SIZE, make_app, screen_text, wait_for

HOSTILE = [
    ("EVIL\x1b[2J\x1b[1;1HPWNED", "EVIL␛[2J␛[1;1HPWNED"),
    ("[/b] ACME [Ltd]", "[/b] ACME [Ltd]"),
    ("[@click=app.quit]Click[/]", "[@click=app.quit]Click[/]"),
    ("bell\x07bs\x08cr\rnl\n", "bell␇bs␈cr␍nl␊"),
    ("[bold red]loud[/bold red]", "[bold red]loud[/bold red]"),
]


async def test_hostile_names_render_as_text_everywhere(sqlite_db) -> None:
    for i, (stored, _) in enumerate(HOSTILE):
        customer = await f.add_customer(
            sqlite_db,
            email=f"evil{i}@example.com",
            first_name="x",
            last_name="y",
            company_name=stored,
            city=stored,
        )
        order = await f.add_order(
            sqlite_db, f"ORD-EVIL-{i}", reference=stored[:20], customer_id=customer
        )
        await f.add_manager(sqlite_db, order, email=f"m{i}@example.com", first_name=stored)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        orders_screen = app.screen
        await wait_for(pilot, lambda: orders_screen.table.row_count == len(HOSTILE))
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        for _, shown in HOSTILE:
            assert shown[:10] in text  # the orders table (reference and customer columns)

        for i, (_, shown) in enumerate(HOSTILE):
            await pilot.press("slash")
            orders_screen.query_one("#search").value = ""
            await pilot.press(*f"ORD-EVIL-{i}", "enter")
            await wait_for(
                pilot,
                lambda i=i: (
                    isinstance(app.screen, OrderScreen)
                    and app.screen.detail is not None
                    and app.screen.detail.store_id == f"ORD-EVIL-{i}"
                ),
            )
            await pilot.pause()
            text = screen_text(app)
            assert f"Order ORD-EVIL-{i}  ·  {shown[:30]}" in text  # the header line
            assert f"Customer:        {shown}" in text  # the Details tab
            await pilot.press("2")
            await wait_for(pilot, lambda: app.screen.pane("customer") is not None)
            await pilot.pause()
            assert f"Company:    {shown}" in screen_text(app)
            assert f"City:       {shown}" in screen_text(app)
            if i < 2:  # the manager table: the same cells as every LiteralTable
                await pilot.press("4")
                await wait_for(
                    pilot,
                    lambda: (
                        app.screen.pane("managers") is not None
                        and app.screen.pane("managers").table.row_count == 1
                    ),
                )
                cells = [c.plain for c in app.screen.pane("managers").table.get_row_at(0)]
                assert any(c.strip().startswith(shown[:10]) for c in cells), cells  # Name: 13 wide
            assert app.is_running  # [@click=app.quit] is text, not a link that quits
            await pilot.press("escape")
            assert isinstance(app.screen, OrdersScreen)
