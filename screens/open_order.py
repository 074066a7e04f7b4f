"""Command palette provider: "Open order…" searches orders as you type and opens the chosen one."""

from __future__ import annotations

from functools import partial

from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from orderview.safetext import visible
from orderview.services import orders
from orderview.services.views import OrderSummary

LIMIT = 10
PREFIXES = ("open order", "open", "order")


def order_query(text: str) -> str:
    """What to search for: the palette text without a leading "open order"."""
    stripped = text.strip()
    lowered = stripped.lower()
    for prefix in PREFIXES:
        if lowered.startswith(prefix):
            return stripped[len(prefix) :].lstrip(" :…").strip()
    return stripped


def hit_display(s: OrderSummary) -> Content:
    parts: list[Content | str] = ["Open order ", literal(s.store_id, max_length=40)]
    if s.customer:
        parts += ["  ", literal(s.customer, max_length=40, style="dim")]
    return Content.assemble(*parts)


class OpenOrderProvider(Provider):
    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Open order…",
            self._focus_search,
            text="Open order…",
            help="type an Order ID, reference, customer or license key",
        )

    async def search(self, query: str) -> Hits:
        text = order_query(query)
        if not text:
            matcher = self.matcher(query)
            score = matcher.match("Open order…")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight("Open order…"),
                    self._focus_search,
                    text="Open order…",
                    help="type an Order ID after it",
                )
            return
        page = await orders.search_orders(services_of(self.app).db, text, limit=LIMIT)
        for rank, summary in enumerate(page.items):
            yield Hit(
                1.0 - rank / (LIMIT * 2),
                hit_display(summary),
                partial(services_of(self.app).open_order, summary.id),
                text=f"Open order {visible(summary.store_id, 40)}",
            )

    def _focus_search(self) -> None:
        """ "Open order…" with nothing typed: go to the orders search, where typing searches."""
        services_of(self.app).show_orders_search()
