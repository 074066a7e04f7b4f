"""Step: which license policy (the product's default is pre-selected), or custom values."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Static

from orderview.services import catalog
from orderview.services.catalog import PolicyView
from screens.wizard_steps.base import StepDone, WizardStep
from screens.wizard_steps.state import LineDraft
from widgets.literal import literal
from widgets.literal_table import LiteralTable

CUSTOM = "custom"


class PolicyStep(WizardStep):
    title = "License policy"

    def __init__(self, line: LineDraft) -> None:
        super().__init__(id="step-policy")
        self.line = line
        self.policies: list[PolicyView] = []

    def compose(self) -> ComposeResult:
        assert self.line.product is not None
        yield Static(Content.assemble("License policy for ",
                                      literal(self.line.product.name, 50, "bold"), " (enter):"),
                     classes="hint")
        yield LiteralTable(id="policies")

    def on_mount(self) -> None:
        self.query_one(LiteralTable).set_columns(("Policy", "Code", "Type", ""))
        self._load()

    @work(exclusive=True, group="wizard-policies")
    async def _load(self) -> None:
        assert self.line.product is not None
        self.policies = await catalog.list_policies(
            self.app.db, self.line.product.id)  # type: ignore[attr-defined]
        table = self.query_one(LiteralTable)
        table.add_literal_rows(
            (str(p.id), (p.name, p.code, p.defaults.get("license_type") or "perpetual",
                         "default" if p.is_default else ""))
            for p in self.policies
        )
        table.add_literal_row(("Custom values", "", "", ""), key=CUSTOM)
        # The product's default policy, or "Custom values" when it has none.
        index = 0 if self.policies and self.policies[0].is_default else len(self.policies)
        if self.line.policy_chosen:
            chosen = self.line.policy.id if self.line.policy else None
            index = next((i for i, p in enumerate(self.policies) if p.id == chosen),
                         len(self.policies))
        table.move_cursor(row=index)
        table.focus()

    def focus_first(self) -> None:
        for table in self.query(LiteralTable):  # none once the step is being replaced
            table.focus()

    def validate_step(self) -> dict[str, str]:
        return {} if self.line.policy_chosen else {"policy": "choose a policy or Custom values"}

    @on(DataTable.RowSelected, "#policies")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value == CUSTOM:
            self.line.choose_policy(None)
        else:
            policy = next((p for p in self.policies if str(p.id) == event.row_key.value), None)
            if policy is None:
                return
            self.line.choose_policy(policy)
        self.post_message(StepDone(self))
