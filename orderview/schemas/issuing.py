"""Issuing licenses: one product line's entitlements and its identities (keys, quantity or user
emails); the New order step is ``orderview.schemas.new_order``.

Values typed by the operator override the policy; the rest are copied from it. Validation is
strict on purpose (no impossible dates, durations only like ``30d``/``6m``/``1y``) because a
subtly wrong license reaches a customer and cannot be recalled. Fields that do not apply to the
chosen license type are cleared, so a license never carries a stale duration or seat count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from orderview.keys import is_valid_key, normalize_key
from orderview.safetext import has_unsafe
from orderview.schemas.common import parse
from orderview.schemas.customer import check_email
from orderview.schemas.strict_fields import (
    _NOTE_REFUSED,
    Count0,
    Count1,
    Days,
    Duration,
    Flag,
    FloatingUsers,
    Minutes,
    StrictDate,
    TrialDays,
    _blank,
    _choice,
    _note_text,
    _strict_int,
)
from orderview.services.errors import FieldErrors

if TYPE_CHECKING:
    from orderview.services.catalog import PolicyView, ProductView

LICENSE_TYPES = ("perpetual", "time-limited", "subscription", "consumption")
CONSUMPTION_PERIODS = ("daily", "weekly", "monthly", "annually")
MAX_QUANTITY = 100_000
MAX_NOTE = 2000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPLIT = re.compile(r"[\s,;]+")

# Every entitlement field in display order, with its label (the wizard and the summary use these).
FIELD_LABELS: dict[str, str] = {
    "license_type": "License type",
    "valid_duration": "Valid for",
    "validity_period": "Valid until",
    "grace_period": "Grace period (days)",
    "max_consumptions": "Max consumptions",
    "allow_unlimited_consumptions": "Unlimited consumptions",
    "allow_overages": "Allow overages",
    "max_overages": "Max overages",
    "reset_consumption": "Reset consumption",
    "consumption_period": "Reset period",
    "max_activations": "Max activations",
    "allow_unlimited_activations": "Unlimited activations",
    "max_transfers": "Max transfers",
    "is_trial": "Trial",
    "trial_days": "Trial days",
    "start_date": "Start date",
    "maintenance_duration": "Maintenance for",
    "maintenance_period": "Maintenance until",
    "is_floating": "Floating",
    "floating_users": "Floating seats",
    "floating_timeout": "Floating timeout (min)",
    "prevent_vm": "Prevent VM",
    "note": "Note",
}
ENTITLEMENT_FIELDS: tuple[str, ...] = tuple(FIELD_LABELS)
BOOL_FIELDS = frozenset(
    {
        "allow_unlimited_consumptions",
        "allow_overages",
        "reset_consumption",
        "allow_unlimited_activations",
        "is_trial",
        "is_floating",
        "prevent_vm",
    }
)
_TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "perpetual": (),
    "time-limited": ("valid_duration", "validity_period"),
    "subscription": ("validity_period", "grace_period"),
    "consumption": (
        "max_consumptions",
        "allow_unlimited_consumptions",
        "allow_overages",
        "max_overages",
        "reset_consumption",
        "consumption_period",
    ),
}
_COMMON_FIELDS = (
    "max_activations",
    "allow_unlimited_activations",
    "max_transfers",
    "is_trial",
    "trial_days",
    "start_date",
    "maintenance_duration",
    "maintenance_period",
    "is_floating",
    "floating_users",
    "floating_timeout",
    "prevent_vm",
    "note",
)


def fields_for_type(license_type: str) -> tuple[str, ...]:
    """The entitlement fields that apply to a license type, in display order."""
    wanted = {"license_type", *_TYPE_FIELDS.get(license_type, ()), *_COMMON_FIELDS}
    return tuple(f for f in ENTITLEMENT_FIELDS if f in wanted)


class Entitlements(BaseModel):
    """What one license grants; every field has a column of the same name on ``licenses``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    license_type: Literal["perpetual", "time-limited", "subscription", "consumption"] = "perpetual"
    valid_duration: Duration = None
    validity_period: StrictDate = None
    grace_period: Days = None
    max_consumptions: Count1 = None
    allow_unlimited_consumptions: Flag = False
    allow_overages: Flag = False
    max_overages: Count0 = None
    reset_consumption: Flag = False
    consumption_period: Annotated[
        Literal["daily", "weekly", "monthly", "annually"] | None, BeforeValidator(_choice)
    ] = None
    max_activations: Count1 = 1
    allow_unlimited_activations: Flag = False
    max_transfers: Annotated[
        int, BeforeValidator(lambda v: _strict_int(v) or 0), Field(ge=0, le=1_000_000)
    ] = 0
    is_trial: Flag = False
    trial_days: TrialDays = None
    start_date: StrictDate = None
    maintenance_duration: Duration = None
    maintenance_period: StrictDate = None
    is_floating: Flag = False
    floating_users: FloatingUsers = None
    floating_timeout: Minutes = None
    prevent_vm: Flag = False
    note: Annotated[
        str,
        BeforeValidator(lambda v: "" if v is None else v),
        Field(max_length=MAX_NOTE),
        AfterValidator(_note_text),
    ] = ""

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ENTITLEMENT_FIELDS}


def clear_inapplicable(values: dict[str, Any]) -> dict[str, Any]:
    """Blank every field that does not apply to the type or whose switch is off."""
    out = dict(values)
    kind = out.get("license_type") or "perpetual"
    applicable = set(fields_for_type(kind))
    defaults = Entitlements.model_fields
    for name in ENTITLEMENT_FIELDS:
        if name not in applicable:
            out[name] = False if name in BOOL_FIELDS else None
    off = {
        "max_consumptions": out.get("allow_unlimited_consumptions"),
        "max_overages": not out.get("allow_overages"),
        "consumption_period": not out.get("reset_consumption"),
        "max_activations": out.get("allow_unlimited_activations"),
        "trial_days": not out.get("is_trial"),
        "floating_users": not out.get("is_floating"),
        "floating_timeout": not out.get("is_floating"),
    }
    for name, cleared in off.items():
        if cleared:
            out[name] = None
    out.setdefault("note", "")
    out["max_transfers"] = out.get("max_transfers") or 0
    for name in ENTITLEMENT_FIELDS:
        out.setdefault(name, defaults[name].default)
    return out


def _cross_field_errors(e: Entitlements) -> dict[str, str]:
    errors: dict[str, str] = {}
    if e.license_type == "time-limited":
        if e.valid_duration and e.validity_period:
            errors["valid_duration"] = "give a duration or an end date, not both"
        elif not e.valid_duration and not e.validity_period:
            errors["valid_duration"] = "give a duration (e.g. 30d, 6m, 1y) or an end date"
    if e.license_type == "subscription" and not e.validity_period:
        errors["validity_period"] = "a subscription needs an end date"
    if e.license_type == "consumption":
        if not e.allow_unlimited_consumptions and e.max_consumptions is None:
            errors["max_consumptions"] = "enter a maximum, or allow unlimited consumptions"
        if e.allow_overages and e.max_overages is None:
            errors["max_overages"] = "enter the overages allowed (0 = no limit)"
        if e.reset_consumption and not e.consumption_period:
            errors["consumption_period"] = "choose daily, weekly, monthly or annually"
    if not e.allow_unlimited_activations and e.max_activations is None:
        errors["max_activations"] = "enter a maximum, or allow unlimited activations"
    if e.is_trial and e.trial_days is None:
        errors["trial_days"] = "enter the trial length in days"
    if e.is_floating and e.floating_users is None:
        errors["floating_users"] = "enter the number of simultaneous seats"
    if e.maintenance_duration and e.maintenance_period:
        errors["maintenance_duration"] = "give a maintenance duration or a date, not both"
    today = datetime.now(UTC).date()
    if e.validity_period and e.validity_period < today and "validity_period" not in errors:
        errors["validity_period"] = "this end date has already passed"
    if e.maintenance_period and e.maintenance_period < today:
        errors["maintenance_period"] = "this maintenance date has already passed"
    if e.start_date and not errors.keys() & {"validity_period", "maintenance_period"}:
        if e.validity_period and e.start_date > e.validity_period:
            errors["start_date"] = "the start date is after the end date"
        elif e.maintenance_period and e.start_date > e.maintenance_period:
            errors["start_date"] = "the start date is after the maintenance date"
    return errors


def parse_entitlements(values: dict[str, Any]) -> Entitlements:
    """Validate merged policy + typed values; raise ``FieldErrors`` naming each bad field."""
    unknown = sorted(set(values) - set(ENTITLEMENT_FIELDS))
    if unknown:
        raise FieldErrors({name: "is not a license field" for name in unknown})
    kind = values.get("license_type") or "perpetual"
    if kind not in LICENSE_TYPES:
        raise FieldErrors({"license_type": "choose " + ", ".join(LICENSE_TYPES)})
    # Validate only what applies: a stray value of another type must not block issuing.
    applicable = set(fields_for_type(kind))
    relevant = {k: v for k, v in values.items() if k in applicable}
    parsed = parse(Entitlements, relevant)
    errors = _cross_field_errors(parsed)
    if errors:
        raise FieldErrors(errors)
    return Entitlements.model_validate(clear_inapplicable(parsed.values()))


# --- a product line -------------------------------------------------------------------------


class LineInput(BaseModel):
    """One product line as entered: ``values`` are only what the operator typed or changed."""

    model_config = ConfigDict(extra="forbid")

    product_id: int
    policy_id: int | None = None  # None = custom values (no policy)
    values: dict[str, Any] = Field(default_factory=dict)
    quantity: int | str | None = None  # None = 1; ignored when keys or emails are given
    keys: str | list[str] | None = None  # pasted keys (key-based products)
    user_emails: str | list[str] | None = None  # user-based products


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    """A validated line: what will be written, and how it differs from its policy."""

    product_id: int
    product_code: str
    product_name: str
    user_based: bool
    policy_id: int | None
    policy_code: str | None
    policy_name: str | None
    entitlements: Entitlements
    quantity: int
    keys: tuple[str, ...] = ()  # pasted keys; empty = generate ``quantity`` keys
    user_emails: tuple[str, ...] = ()
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (policy, new)

    @property
    def policy_label(self) -> str:
        return self.policy_name or "custom values"


def _tokens(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else _SPLIT.split(value)
    return [t.strip() for t in items if t and t.strip()]


def _sample(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def parse_keys(value: str | list[str] | None) -> list[str]:
    """Pasted keys, normalised; refuses bad formats and duplicates within the paste."""
    keys = [normalize_key(t) for t in _tokens(value)]
    bad = [k for k in keys if not is_valid_key(k)]
    if bad:
        raise FieldErrors({"keys": f"not a license key (XXXX-XXXX-XXXX-XXXX): {_sample(bad)}"})
    if len(keys) > MAX_QUANTITY:
        raise FieldErrors({"keys": f"at most {MAX_QUANTITY:,} keys at once"})
    seen: set[str] = set()
    dupes = sorted({k for k in keys if k in seen or seen.add(k)})  # type: ignore[func-returns-value]
    if dupes:
        raise FieldErrors({"keys": f"pasted twice: {_sample(dupes)}"})
    return keys


def _is_email(value: str) -> bool:
    """The Customer dialog's rules (``[@click=app.quit]`` has an @ and a dot, and passed the
    looser shape check as a user's email)."""
    try:
        check_email(value)
    except ValueError:
        return False
    return True


def parse_emails(value: str | list[str] | None) -> list[str]:
    """User emails, one license each; refuses malformed and repeated addresses."""
    emails = _tokens(value)
    if not emails:
        raise FieldErrors({"user_emails": "enter at least one user email"})
    bad = [
        e
        for e in emails
        if len(e) > 254 or not _is_email(e) or has_unsafe(e) or _NOTE_REFUSED.search(e)
    ]
    if bad:
        raise FieldErrors({"user_emails": f"not an email address: {_sample(bad)}"})
    if len(emails) > MAX_QUANTITY:
        raise FieldErrors({"user_emails": f"at most {MAX_QUANTITY:,} users at once"})
    seen: set[str] = set()
    dupes = sorted({e for e in emails if e.lower() in seen or seen.add(e.lower())})  # type: ignore[func-returns-value]
    if dupes:
        raise FieldErrors({"user_emails": f"listed twice: {_sample(dupes)}"})
    return emails


def parse_quantity(value: int | str | None) -> int:
    if value is None:
        return 1
    try:
        quantity = _strict_int(value)
    except ValueError:
        quantity = None
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        raise FieldErrors({"quantity": f"enter a whole number from 1 to {MAX_QUANTITY:,}"})
    return quantity


def resolve_line(line: LineInput, product: ProductView, policy: PolicyView | None) -> ResolvedLine:
    """Merge the policy with the typed values, validate everything, note the differences."""
    if line.product_id != product.id:
        raise FieldErrors({"product": "the line's product does not match"})
    if policy is not None and policy.product_id != product.id:
        raise FieldErrors(
            {"policy": f"policy {policy.code} does not belong to {product.short_code}"}
        )
    base = clear_inapplicable(dict(policy.defaults)) if policy else None
    merged = {**(policy.defaults if policy else {}), **line.values}
    errors: dict[str, str] = {}
    try:
        entitlements: Entitlements | None = parse_entitlements(merged)
    except FieldErrors as exc:
        errors.update(exc.errors)
        entitlements = None
    keys: list[str] = []
    emails: list[str] = []
    quantity = 0
    try:
        if product.user_based:
            if _tokens(line.keys):
                raise FieldErrors({"keys": "this product is user-based: enter user emails"})
            emails = parse_emails(line.user_emails)
            quantity = len(emails)
        else:
            if _tokens(line.user_emails):
                raise FieldErrors({"user_emails": "this product is key-based: no user emails"})
            keys = parse_keys(line.keys)
            if keys:
                quantity = len(keys)
                typed = line.quantity if not _blank(line.quantity) else None
                if typed is not None and parse_quantity(typed) != quantity:
                    raise FieldErrors(
                        {"quantity": f"{quantity} keys pasted, quantity says {typed}"}
                    )
            else:
                quantity = parse_quantity(line.quantity)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors or entitlements is None:
        raise FieldErrors(errors)
    new = entitlements.values()
    if base is None:  # custom values: every value that says something is "different"
        differences = {n: (None, v) for n, v in new.items() if v not in (None, False, "")}
    else:
        differences = {n: (base.get(n), v) for n, v in new.items() if base.get(n) != v}
    return ResolvedLine(
        product_id=product.id,
        product_code=product.short_code,
        product_name=product.name,
        user_based=product.user_based,
        policy_id=policy.id if policy else None,
        policy_code=policy.code if policy else None,
        policy_name=policy.name if policy else None,
        entitlements=entitlements,
        quantity=quantity,
        keys=tuple(keys),
        user_emails=tuple(emails),
        differences=differences,
    )


def show_value(value: Any) -> str:
    """How the summary prints one entitlement value."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
