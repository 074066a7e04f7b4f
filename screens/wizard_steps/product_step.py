"""Step: which product. `enter` on a row chooses it and goes on."""

from __future__ import annotations

from collections.abc import Iterable

from orderview.screens.wizard_steps.choice_step import ChoiceStep
from orderview.screens.wizard_steps.state import LineDraft
from orderview.widgets.app_services import services_of

from orderview.services import catalog
from orderview.services.catalog import ProductView


class ProductStep(ChoiceStep[ProductView]):
    title = "Product"
    columns = ("Product", "Code", "Identified by")
    worker_group = "wizard-products"

    def __init__(self, line: LineDraft) -> None:
        super().__init__(line, id="step-product", table_id="products")

    def hint(self) -> str:
        return "Choose the product (enter):"

    async def fetch(self) -> list[ProductView]:
        return await catalog.list_products(services_of(self.app).db)

    def rows(self) -> Iterable[tuple[str, tuple[object, ...]]]:
        for p in self.items:
            yield str(p.id), (p.name, p.short_code, "user email" if p.user_based else "license key")

    def cursor_row(self) -> int | None:
        if not self.items:
            return None
        return self.index_of(self.line.product.id if self.line.product else None, 0)

    def validate_step(self) -> dict[str, str]:
        return {} if self.line.product else {"product": "choose a product"}

    def choose(self, key: str) -> bool:
        product = self.item(key)
        if product is None:
            return False
        self.line.choose_product(product)
        return True
