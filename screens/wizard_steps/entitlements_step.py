"""Step: the entitlements, pre-filled from the policy, showing only the fields that apply.

Only the chosen license type's fields are mounted (changing the type rebuilds the step from the
state); fields that depend on a switch (trial days, seats, …) show while the switch is on.
"""

from __future__ import annotations

from typing import Any

from orderview.screens.wizard_steps.base import WizardStep
from orderview.screens.wizard_steps.fields import (
    Cycler,
    FieldRow,
    StillTextArea,
    check_field,
    text_field,
)
from orderview.screens.wizard_steps.state import LineDraft, hidden_by_switch
from orderview.widgets.literal import literal
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Checkbox, Static

from orderview.schemas.entitlements import (
    CONSUMPTION_PERIODS,
    FIELD_LABELS,
    LICENSE_TYPES,
    MAX_NOTE,
    fields_for_type,
)
from orderview.schemas.issuing import parse_emails, parse_keys, parse_quantity
from orderview.services.errors import FieldErrors

PLACEHOLDERS = {
    "valid_duration": "e.g. 30d, 6m, 1y",
    "validity_period": "YYYY-MM-DD",
    "grace_period": "days",
    "max_consumptions": "number",
    "max_overages": "0 = no limit",
    "max_activations": "number",
    "max_transfers": "0 = no limit",
    "trial_days": "days",
    "start_date": "YYYY-MM-DD (blank: none)",
    "maintenance_duration": "e.g. 1y (blank: none)",
    "maintenance_period": "YYYY-MM-DD (blank: none)",
    "floating_users": "simultaneous seats",
    "floating_timeout": "minutes",
    "note": "stored on every license",
}
TYPE_PARAMS = {
    "valid_duration",
    "validity_period",
    "grace_period",
    "max_consumptions",
    "allow_unlimited_consumptions",
    "allow_overages",
    "max_overages",
    "reset_consumption",
    "consumption_period",
}
SWITCHES = {
    "allow_unlimited_consumptions",
    "allow_overages",
    "reset_consumption",
    "allow_unlimited_activations",
    "is_trial",
    "is_floating",
}


class EntitlementsStep(WizardStep):
    title = "Entitlements"

    def __init__(self, line: LineDraft, line_number: int) -> None:
        super().__init__(id="step-entitlements")
        self.line = line
        self.line_number = line_number

    def _widget(self, name: str, value: Any) -> Any:
        if name == "license_type":
            return Cycler([(t, t) for t in LICENSE_TYPES], value, id=name)
        if name == "consumption_period":
            return Cycler(
                [("", "(choose)"), *((p, p) for p in CONSUMPTION_PERIODS)], value or "", id=name
            )
        if isinstance(value, bool):
            return check_field(name, value)
        return text_field(
            name, value, PLACEHOLDERS.get(name, ""), max_length=MAX_NOTE if name == "note" else 64
        )

    def compose(self) -> ComposeResult:
        line = self.line
        assert line.product is not None
        values = line.values
        policy = line.policy.name if line.policy else "custom values"
        yield Static(
            Content.assemble(
                f"Line {self.line_number}: ",
                literal(line.product.name, 30, "bold"),
                " · ",
                literal(policy, 30),
            ),
            classes="hint",
        )
        fields = fields_for_type(values["license_type"])
        type_fields = [f for f in fields if f == "license_type" or f in TYPE_PARAMS]
        common = [f for f in fields if f not in type_fields]
        for name in type_fields:
            yield FieldRow(name, FIELD_LABELS[name], self._widget(name, values[name]))
        if line.product.user_based:
            yield FieldRow(
                "user_emails",
                "User emails",
                StillTextArea(
                    line.user_emails,
                    id="user_emails",
                    placeholder="a license per user; one per line or , between",
                ),
            )
        else:
            yield FieldRow(
                "quantity",
                "Quantity",
                text_field(
                    "quantity",
                    line.quantity,
                    "1–100,000 (blank if keys are pasted)",
                    7,
                    restrict=r"[0-9]*",
                ),
            )  # letters are refused as typed
            yield FieldRow(
                "keys",
                "Or paste keys",
                StillTextArea(
                    line.keys,
                    id="keys",
                    placeholder="XXXX-XXXX-XXXX-XXXX; one per line or , between",
                ),
            )
        for name in common:
            yield FieldRow(name, FIELD_LABELS[name], self._widget(name, values[name]))
        with Horizontal(classes="buttons"):
            yield Button("Next", id="next", compact=True)
            yield Button("Add another product", id="add-line", compact=True)

    def on_mount(self) -> None:
        self._apply_switches()

    def _apply_switches(self) -> None:
        hidden = hidden_by_switch(self._current_values())
        for row in self.query(FieldRow):
            if row.field_name in FIELD_LABELS:
                row.set_shown(row.field_name not in hidden)

    def _current_values(self) -> dict[str, Any]:
        return {row.field_name: row.value for row in self.query(FieldRow)}

    def collect(self) -> None:
        for name, value in self._current_values().items():
            if name in FIELD_LABELS:
                self.line.values[name] = value
            elif name == "quantity":
                self.line.quantity = value
            elif name == "keys":
                self.line.keys = value
            elif name == "user_emails":
                self.line.user_emails = value

    def validate_step(self) -> dict[str, str]:
        try:
            self.line.resolve()
        except FieldErrors as exc:
            return exc.errors
        return {}

    def check_on_enter(self, name: str) -> str | None:
        """Quantity, pasted keys and user emails are checked when `enter` leaves them (each on
        its own; how they fit together is the step's check)."""
        checks = {"quantity": parse_quantity, "keys": parse_keys, "user_emails": parse_emails}
        if name not in checks:
            return None
        value = next(row.value for row in self.query(FieldRow) if row.field_name == name)
        if not value.strip():
            return None  # blank: the keys may follow, or the step says what is missing
        try:
            checks[name](value.strip())
        except FieldErrors as exc:
            return exc.errors.get(name) or "; ".join(exc.errors.values())
        return None

    @on(Checkbox.Changed)
    def _switch_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id in SWITCHES:
            self._apply_switches()

    @on(Cycler.Changed, "#license_type")
    async def _type_changed(self, event: Cycler.Changed) -> None:
        """Another type has other fields: keep what was typed, rebuild, stay on the type."""
        event.stop()
        self.collect()
        await self.recompose()
        self._apply_switches()
        self.query_one("#license_type", Cycler).focus()
