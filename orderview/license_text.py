"""One license as lines an operator reads (the license screen and ``orderview license show``).

Pure text, no Textual: the screen wraps each value with ``literal()``, the command line with
``visible()``. Times are UTC and say so.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from orderview.services.views import DeviceView, LicenseDetail

EMPTY = "—"
TYPE_NAMES = {
    "perpetual": "perpetual",
    "time-limited": "time-limited",
    "subscription": "subscription",
    "consumption": "consumption",
}
DEVICE_COLUMNS = ("Device", "Hostname", "OS", "VM", "First seen", "Last seen")
DEVICE_WIDTHS = (16, 18, 13, 3, 10, 10)


def utc(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value is not None else EMPTY


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else EMPTY


def yes_no(value: object) -> str:
    return "yes" if value else "no"


def _or(value: object, suffix: str = "") -> str:
    return EMPTY if value is None or value == "" else f"{value}{suffix}"


def activations(v: dict[str, Any]) -> str:
    limit = "unlimited" if v["allow_unlimited_activations"] else _or(v["max_activations"])
    return f"{v['times_activated']} used / {limit} allowed"


def transfers(v: dict[str, Any]) -> str:
    limit = "no limit" if not v["max_transfers"] else f"{v['max_transfers']} allowed"
    return f"{v['transfer_count']} made / {limit}"


def validity(detail: LicenseDetail) -> str:
    v = detail.values
    if detail.license_type == "perpetual":
        return "perpetual (never expires)"
    parts = []
    if v["validity_period"] is not None:
        parts.append(f"until {day(v['validity_period'])}")
    if v["valid_duration"]:
        parts.append(f"for {v['valid_duration']} from activation")
    if v["grace_period"]:
        parts.append(f"grace {v['grace_period']} days")
    return ", ".join(parts) or EMPTY


def maintenance(v: dict[str, Any]) -> str:
    parts = []
    if v["maintenance_period"] is not None:
        parts.append(f"until {day(v['maintenance_period'])}")
    if v["maintenance_duration"]:
        parts.append(f"for {v['maintenance_duration']}")
    return ", ".join(parts) or "none"


def floating(v: dict[str, Any]) -> str:
    if not v["is_floating"]:
        return "no"
    return f"{_or(v['floating_users'])} seats, timeout {_or(v['floating_timeout'], ' min')}"


def consumption(detail: LicenseDetail) -> str:
    v = detail.values
    if detail.license_type != "consumption":
        return "not a consumption license"
    limit = "unlimited" if v["allow_unlimited_consumptions"] else _or(v["max_consumptions"])
    text = f"{v['total_consumptions']} used / {limit}"
    if v["allow_overages"]:
        text += f", overages up to {_or(v['max_overages'])}"
    if v["reset_consumption"]:
        text += f", resets {_or(v['consumption_period'])}"
    return text


def trial(v: dict[str, Any]) -> str:
    return f"yes, {_or(v['trial_days'], ' days')}" if v["is_trial"] else "no"


def license_fields(detail: LicenseDetail) -> list[tuple[str, str]]:
    """(label, value) in reading order; values are data (the caller shows them literally)."""
    v = detail.values
    policy = (
        f"{detail.policy_code} · {detail.policy_name}" if detail.policy_code else "custom values"
    )
    metadata = (
        json.dumps(detail.metadata, ensure_ascii=False, sort_keys=True) if detail.metadata else ""
    )
    return [
        ("Key" if detail.license_key else "User email", detail.identity),
        ("Product", f"{detail.product_code} · {detail.product_name}"),
        ("Policy", policy),
        ("Type", TYPE_NAMES.get(detail.license_type, detail.license_type)),
        ("Status", detail.status + ("" if detail.enabled else " (disabled by a vendor)")),
        ("Validity", validity(detail)),
        ("Maintenance", maintenance(v)),
        ("Activations", activations(v)),
        ("Transfers", transfers(v)),
        ("Floating", floating(v)),
        ("Consumption", consumption(detail)),
        ("Trial", trial(v)),
        ("Start date", day(v["start_date"])),
        ("Prevent VM", yes_no(v["prevent_vm"])),
        ("Note", detail.note or EMPTY),
        ("Metadata", metadata or EMPTY),
        ("Created", utc(detail.created_at)),
        ("Updated", utc(detail.updated_at)),
        ("Order", detail.order_store_id),
        ("Version", str(detail.version)),
    ]


def device_cells(d: DeviceView) -> tuple[str, ...]:
    return (
        d.identifier,
        d.hostname,
        d.os,
        yes_no(d.is_vm),
        f"{d.first_seen_at:%Y-%m-%d}",
        f"{d.last_seen_at:%Y-%m-%d}",
    )


def device_json(d: DeviceView) -> dict[str, Any]:
    return {
        "id": d.id,
        "identifier": d.identifier,
        "hostname": d.hostname,
        "os": d.os,
        "is_vm": d.is_vm,
        "first_seen_at": d.first_seen_at.isoformat(),
        "last_seen_at": d.last_seen_at.isoformat(),
    }


def license_json(detail: LicenseDetail) -> dict[str, Any]:
    """The ``--json`` document: the domain's field names (times ISO 8601 UTC)."""
    values = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.values.items()}
    return {
        "id": detail.id,
        "version": detail.version,
        "license_key": detail.license_key,
        "user_email": detail.user_email,
        "order": detail.order_store_id,
        "product_short_code": detail.product_code,
        "product_name": detail.product_name,
        "policy_code": detail.policy_code,
        "policy_name": detail.policy_name,
        "license_type": detail.license_type,
        "status": detail.status,
        "enabled": detail.enabled,
        **values,
        "note": detail.note,
        "metadata": detail.metadata,
        "created_at": detail.created_at.isoformat(),
        "updated_at": detail.updated_at.isoformat(),
        "devices": [device_json(d) for d in detail.devices],
        "devices_more": detail.devices_more,
    }
