"""A license's entitlements: its fields, which apply to which license type, and their rules.

Its own module because entitlements are what one license grants, whoever sets them: issuing
merges them from a policy and the typed values (``schemas/issuing.py``, one product line with
its keys, quantity or user emails), the wizard's entitlements step lays out their fields,
``services/licenses.py`` shows them and ``schemas/license_edit.py`` shares their limits.

Validation is strict on purpose (no impossible dates, durations only like ``30d``/``6m``/``1y``)
because a subtly wrong license reaches a customer and cannot be recalled. Fields that do not
apply to the chosen license type are cleared, so a license never carries a stale duration or
seat count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from orderview.schemas.common import parse
from orderview.schemas.strict_fields import (
    Count0,
    Count1,
    Days,
    Duration,
    Flag,
    FloatingUsers,
    Minutes,
    StrictDate,
    TrialDays,
    _choice,
    _note_text,
    _strict_int,
)
from orderview.services.errors import FieldErrors

LICENSE_TYPES = ("perpetual", "time-limited", "subscription", "consumption")
CONSUMPTION_PERIODS = ("daily", "weekly", "monthly", "annually")
MAX_NOTE = 2000

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


def show_value(value: Any) -> str:
    """How the summary prints one entitlement value."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
