"""What the issuing wizard holds between steps: plain data, no widgets.

Steps are mounted one at a time and rebuilt from this state, so going back shows what was
entered and the DOM stays small. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orderview.schemas.entitlements import BOOL_FIELDS, ENTITLEMENT_FIELDS
from orderview.schemas.issuing import LineInput, ResolvedLine, resolve_line
from orderview.schemas.order import EDITABLE_ORDER_FIELDS
from orderview.services.catalog import PolicyView, ProductView


def shown(value: Any) -> Any:
    """A policy value as the entitlements step shows it (text, or a bool for checkboxes)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def prefill(policy: PolicyView | None) -> dict[str, Any]:
    """Every entitlement field pre-filled from the policy (or the defaults for custom values)."""
    values: dict[str, Any] = {}
    defaults = (
        policy.defaults
        if policy
        else {"license_type": "perpetual", "max_activations": 1, "max_transfers": 0}
    )
    for name in ENTITLEMENT_FIELDS:
        value = defaults.get(name)
        values[name] = bool(value) if name in BOOL_FIELDS else shown(value)
    values["license_type"] = values["license_type"] or "perpetual"
    return values


@dataclass
class LineDraft:
    """One product line as being entered."""

    product: ProductView | None = None
    policy: PolicyView | None = None
    policy_chosen: bool = False  # False until the policy step was passed (None = custom)
    values: dict[str, Any] = field(default_factory=dict)
    prefilled_for: tuple[int, int | None] | None = None
    quantity: str = "1"
    keys: str = ""
    user_emails: str = ""
    resolved: ResolvedLine | None = None

    def choose_product(self, product: ProductView) -> None:
        if self.product is None or self.product.id != product.id:
            self.product = product
            self.policy = None
            self.policy_chosen = False
            self.resolved = None

    def choose_policy(self, policy: PolicyView | None) -> None:
        self.policy = policy
        self.policy_chosen = True
        key = (self.product.id if self.product else 0, policy.id if policy else None)
        if self.prefilled_for != key:  # a different policy: start again from its values
            self.values = prefill(policy)
            self.prefilled_for = key
            self.resolved = None

    def line_input(self) -> LineInput:
        assert self.product is not None
        user_based = self.product.user_based
        return LineInput(
            product_id=self.product.id,
            policy_id=self.policy.id if self.policy else None,
            values=dict(self.values),
            quantity=None if user_based else self.quantity,
            keys=None if user_based else self.keys,
            user_emails=self.user_emails if user_based else None,
        )

    def resolve(self) -> ResolvedLine:
        """Validate (pure: no database); raises ``FieldErrors``."""
        assert self.product is not None
        self.resolved = resolve_line(self.line_input(), self.product, self.policy)
        return self.resolved


@dataclass
class OrderDraft:
    """The new-order step: Order ID, the order's own fields (as Edit order has them) and the
    customer choice."""

    store_id: str = ""
    reference: str = ""
    campaign_params: str = ""
    download_id: str = ""
    language: str = ""
    is_test: bool = False
    is_trial: bool = False
    customer_mode: str = "none"  # none | pick | new
    picked_id: int | None = None
    picked_label: str = ""
    customer: dict[str, str] = field(
        default_factory=lambda: {
            "email": "",
            "first_name": "",
            "last_name": "",
            "company_name": "",
            "phone": "",
        }
    )

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"store_id": self.store_id, **self.order_fields()}
        if self.customer_mode == "pick":
            out["customer_id"] = self.picked_id
        elif self.customer_mode == "new":
            out["new_customer"] = dict(self.customer)
        return out

    def order_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE_ORDER_FIELDS}

    def describe(self) -> list[str]:
        """The new order as the summary lists it."""
        customer = {
            "none": "none",
            "pick": self.picked_label,
            "new": f"new: {self.customer['email'].strip()}",
        }[self.customer_mode]
        texts = [
            f"{label}: {getattr(self, name).strip()}"
            for name, label in (
                ("reference", "Reference"),
                ("campaign_params", "Campaign params"),
                ("download_id", "Download ID"),
                ("language", "Language"),
            )
            if getattr(self, name).strip()
        ]
        flags = [
            label
            for name, label in (("is_test", "Test order"), ("is_trial", "Trial order"))
            if getattr(self, name)
        ]
        return [
            f"New order {self.store_id.strip() or '(Order ID generated)'}",
            *texts,
            *([" · ".join(flags)] if flags else []),
            f"Customer: {customer}",
            "",
        ]

    @property
    def touched(self) -> bool:
        return bool(
            self.store_id.strip()
            or self.picked_id
            or any(v.strip() if isinstance(v, str) else v for v in self.order_fields().values())
            or any(v.strip() for v in self.customer.values())
            or self.customer_mode != "none"
        )


# Fields shown only while their switch says they matter: (field, switch, shown when switch is).
DEPENDENT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("max_consumptions", "allow_unlimited_consumptions", False),
    ("max_overages", "allow_overages", True),
    ("consumption_period", "reset_consumption", True),
    ("max_activations", "allow_unlimited_activations", False),
    ("trial_days", "is_trial", True),
    ("floating_users", "is_floating", True),
    ("floating_timeout", "is_floating", True),
)


def hidden_by_switch(values: dict[str, Any]) -> set[str]:
    """Fields of the current type that stay hidden because their switch is off (or on)."""
    return {
        name
        for name, switch, shown_when in DEPENDENT_FIELDS
        if bool(values.get(switch)) != shown_when
    }
