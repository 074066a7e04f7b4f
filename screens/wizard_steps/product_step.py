"""Step: which product. `enter` on a row chooses it and goes on."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from orderview.services import catalog
from orderview.services.catalog import ProductView
from screens.wizard_steps.base import StepDone, WizardStep
from screens.wizard_steps.state import LineDraft
from widgets.literal_table import LiteralTable


class ProductStep(WizardStep):
    title = "Product"

    def __init__(self, line: LineDraft) -> None:
        super().__init__(id="step-product")
        self.line = line
        self.products: list[ProductView] = []

    def compose(self) -> ComposeResult:
        yield Static("Choose the product (enter):", classes="hint")
        yield LiteralTable(id="products")

    def on_mount(self) -> None:
        self.query_one(LiteralTable).set_columns(("Product", "Code", "Identified by"))
        self._load()

    @work(exclusive=True, group="wizard-products")
    async def _load(self) -> None:
        self.products = await catalog.list_products(self.app.db)  # type: ignore[attr-defined]
        table = self.query_one(LiteralTable)
        table.add_literal_rows(
            (str(p.id), (p.name, p.short_code, "user email" if p.user_based else "license key"))
            for p in self.products
        )
        chosen = self.line.product.id if self.line.product else None
        index = next((i for i, p in enumerate(self.products) if p.id == chosen), 0)
        if self.products:
            table.move_cursor(row=index)
        table.focus()

    def focus_first(self) -> None:
        for table in self.query(LiteralTable):  # none once the step is being replaced
            table.focus()

    def validate_step(self) -> dict[str, str]:
        return {} if self.line.product else {"product": "choose a product"}

    @on(DataTable.RowSelected, "#products")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        product = next((p for p in self.products if str(p.id) == event.row_key.value), None)
        if product is not None:
            self.line.choose_product(product)
            self.post_message(StepDone(self))
