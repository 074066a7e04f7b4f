"""Audit events as plain lines an operator reads at 80 columns (CLI and History screen).

Pure text, no Textual: every value passes through ``safetext.visible`` so control characters
are shown, never sent to the terminal. Screens still wrap these lines with ``literal()``.
"""

from __future__ import annotations

import json
from typing import Any

from orderview.safetext import visible
from orderview.services.views import AuditView

FIELD_LABELS = {
    "reference": "Reference",
    "campaign_params": "Campaign params",
    "download_id": "Download ID",
    "language": "Language",
    "is_test": "Test order",
    "is_trial": "Trial order",
    "customer": "Customer",
    "customer_id": "Customer #",
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company",
    "phone": "Phone",
    "address": "Address",
    "city": "City",
    "state": "State",
    "postcode": "Postcode",
    "country": "Country",
    "enabled": "Enabled",
    "note": "Note",
    "max_activations": "Max activations",
    "allow_unlimited_activations": "Unlimited activations",
    "max_transfers": "Max transfers",
    "validity_period": "Valid until",
    "maintenance_period": "Maintenance until",
    "times_activated": "Activations",
    "transfer_count": "Transfers",
}


def value_text(value: Any, max_length: int | None = None) -> str:
    """A stored value as literal text: strings quoted, booleans yes/no, nothing as (empty)."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return '"' + visible(value, max_length) + '"'
    if isinstance(value, int | float):
        return str(value)
    return visible(json.dumps(value, ensure_ascii=False, sort_keys=True), max_length)


def change_lines(changes: dict[str, Any], max_length: int | None = None) -> list[str]:
    """One ``Field: old → new`` line per changed field, in the order they were recorded."""
    lines = []
    for name, pair in changes.items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = FIELD_LABELS.get(name, visible(name))
        lines.append(f"{label}: {value_text(old, max_length)} → {value_text(new, max_length)}")
    return lines


def heading(event: AuditView) -> str:
    """``2026-01-15 09:30:00 UTC  alice  updated order`` (entity id when not the order)."""
    what = event.entity
    if event.entity != "order" and event.entity_id is not None:
        what = f"{event.entity} #{event.entity_id}"
    return (
        f"{event.at:%Y-%m-%d %H:%M:%S} UTC  {visible(event.operator, 200)}  {event.action} {what}"
    )


def event_lines(event: AuditView, max_length: int | None = None) -> list[str]:
    """The heading, then the summary (unless it only repeats the field changes of an update),
    then each change indented. An issuance's summary names products and quantities."""
    lines = [heading(event)]
    if event.operator_key or event.operator_address:  # proven by orderview serve
        lines.append(
            f"    key {visible(event.operator_key or '?', 100)} from "
            f"{visible(event.operator_address or '?', 100)}"
        )
    changes = change_lines(event.changes, max_length)
    if event.summary and (not changes or event.action != "updated"):
        lines.append("    " + visible(event.summary, max_length))
    lines.extend("    " + line for line in changes)
    return lines


def event_json(event: AuditView) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "operator": event.operator,
        "operator_key": event.operator_key,
        "operator_address": event.operator_address,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "order_id": event.order_id,
        "order_store_id": event.order_store_id,
        "summary": event.summary,
        "changes": event.changes,
        "snapshot": event.snapshot,
    }
