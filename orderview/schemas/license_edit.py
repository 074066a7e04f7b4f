"""Changing one license: note, activation and transfer limits, validity and maintenance.

The same field rules as issuing (``orderview.schemas.entitlements``): durations only like
``30d``/``6m``/``1y``, real dates between the years issuing allows, whole numbers in range, a
note without control characters. ``None`` means "leave as it is".
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from orderview.schemas.common import parse
from orderview.schemas.entitlements import MAX_NOTE
from orderview.schemas.strict_fields import Count1, Duration, StrictDate, _note_text, _strict_int
from orderview.services.errors import FieldErrors

# How a duration moves a date: a month is 30 days and a year 365, as issuing's validity counts.
DURATION_DAYS = {"d": 1, "m": 30, "y": 365}
UNLIMITED = ("unlimited", "∞")


def add_duration(start: date, duration: str) -> date:
    return start + timedelta(days=int(duration[:-1]) * DURATION_DAYS[duration[-1]])


def _activations(value: Any) -> Any:
    """A number, or "unlimited"."""
    if isinstance(value, str) and value.strip().lower() in UNLIMITED:
        return "unlimited"
    return value


class LicenseChanges(BaseModel):
    """What an operator asked to change; every field optional (``None``: unchanged)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: Annotated[
        str | None,
        Field(max_length=MAX_NOTE),
        AfterValidator(lambda v: None if v is None else _note_text(v)),
    ] = None
    max_activations: Annotated[int | str | None, BeforeValidator(_activations)] = None
    max_transfers: Annotated[
        int | None, BeforeValidator(_strict_int), Field(ge=0, le=1_000_000)
    ] = None
    extend: Duration = None  # validity: by a duration
    valid_until: StrictDate = None  # validity: to a date
    maintenance_extend: Duration = None
    maintenance_until: StrictDate = None


class _Count(BaseModel):
    value: Count1


def parse_changes(values: dict[str, Any]) -> LicenseChanges:
    """Validate the typed changes; ``FieldErrors`` names each bad field (nothing is saved)."""
    cleaned = {
        k: (None if isinstance(v, str) and not v.strip() and k != "note" else v)
        for k, v in values.items()
    }
    changes = parse(LicenseChanges, cleaned)
    errors: dict[str, str] = {}
    limit = changes.max_activations
    if isinstance(limit, str) and limit != "unlimited":
        try:
            parse(_Count, {"value": limit})
        except FieldErrors as exc:
            errors["max_activations"] = exc.errors.get("value", "enter a whole number")
    elif isinstance(limit, int) and not isinstance(limit, bool) and not 1 <= limit <= 1_000_000:
        errors["max_activations"] = "must be between 1 and 1,000,000 (or unlimited)"
    if changes.extend and changes.valid_until:
        errors["valid_until"] = "give a duration or a date, not both"
    if changes.maintenance_extend and changes.maintenance_until:
        errors["maintenance_until"] = "give a duration or a date, not both"
    if errors:
        raise FieldErrors(errors)
    return changes


def activation_limit(changes: LicenseChanges) -> tuple[int | None, bool] | None:
    """(max_activations, unlimited) asked for, or None when unchanged."""
    limit = changes.max_activations
    if limit is None:
        return None
    if limit == "unlimited":
        return None, True
    return int(limit), False
