"""Step: which license policy (the product's default is pre-selected), or custom values."""

from __future__ import annotations

from collections.abc import Iterable

from orderview.screens.wizard_steps.choice_step import ChoiceStep
from orderview.screens.wizard_steps.state import LineDraft
from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from textual.content import Content

from orderview.services import catalog
from orderview.services.catalog import PolicyView

CUSTOM = "custom"


class PolicyStep(ChoiceStep[PolicyView]):
    title = "License policy"
    columns = ("Policy", "Code", "Type", "")
    worker_group = "wizard-policies"

    def __init__(self, line: LineDraft) -> None:
        super().__init__(line, id="step-policy", table_id="policies")

    def hint(self) -> Content:
        assert self.line.product is not None
        return Content.assemble(
            "License policy for ", literal(self.line.product.name, 50, "bold"), " (enter):"
        )

    async def fetch(self) -> list[PolicyView]:
        assert self.line.product is not None
        return await catalog.list_policies(services_of(self.app).db, self.line.product.id)

    def rows(self) -> Iterable[tuple[str, tuple[object, ...]]]:
        for p in self.items:
            yield (
                str(p.id),
                (
                    p.name,
                    p.code,
                    p.defaults.get("license_type") or "perpetual",
                    "default" if p.is_default else "",
                ),
            )
        yield CUSTOM, ("Custom values", "", "", "")

    def cursor_row(self) -> int | None:
        custom = len(self.items)
        if self.line.policy_chosen:
            return self.index_of(self.line.policy.id if self.line.policy else None, custom)
        # The product's default policy, or "Custom values" when it has none.
        return 0 if self.items and self.items[0].is_default else custom

    def validate_step(self) -> dict[str, str]:
        return {} if self.line.policy_chosen else {"policy": "choose a policy or Custom values"}

    def choose(self, key: str) -> bool:
        if key == CUSTOM:
            self.line.choose_policy(None)
            return True
        policy = self.item(key)
        if policy is None:
            return False
        self.line.choose_policy(policy)
        return True
