"""The desk's actions on one license: disable / enable, reset or release devices, change, extend.

Its own module, apart from the reads in ``services/licenses.py``, because every function here
is a write with the same shape: one call, one transaction: the role check
(``change_license``), the license row locked and checked against the version the caller loaded
(``ConflictError`` names who changed what), the change, ``version``/``updated_at`` bumped, and
one audit event with ``{field: [old, new]}`` on entity ``license``. Each returns the license as
it now is. ``times_activated`` is always the number of its devices (a reset deletes them all,
a release one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import Device, License, Order
from orderview.roles import require
from orderview.schemas.license_edit import activation_limit, add_duration, parse_changes
from orderview.services import audit, licenses
from orderview.services.errors import FieldErrors, NotFound
from orderview.services.versioning import bump, lock_versioned
from orderview.services.views import LicenseDetail


async def _locked(session: AsyncSession, license_id: int, version: int) -> License:
    return await lock_versioned(
        session,
        License,
        license_id,
        version,
        entity="license",
        missing="no such license (deleted with its order?)",
    )


def _record(
    session: AsyncSession,
    actor: str,
    lic: License,
    store_id: str,
    action: str,
    summary: str,
    changes: dict[str, list[Any]],
    snapshot: dict[str, Any] | None = None,
) -> None:
    """One event: ``action`` is disabled, enabled, reset, released or updated."""
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="license",
        entity_id=lic.id,
        order_id=lic.order_id,
        order_store_id=store_id,
        summary=summary,
        changes=changes,
        snapshot=snapshot,
        entity_version=lic.version,
    )


async def _store_id(session: AsyncSession, lic: License) -> str:
    return await session.scalar(select(Order.store_id).where(Order.id == lic.order_id)) or ""


def _name(lic: License) -> str:
    return lic.license_key or lic.user_email or f"#{lic.id}"


async def set_enabled(
    db: Database, actor: str, license_id: int, version: int, enabled: bool
) -> LicenseDetail:
    """Disable (stops validating, keeps its devices) or enable a license."""
    require(actor, "change_license")
    async with db.write() as session:
        lic = await _locked(session, license_id, version)
        if lic.enabled != enabled:
            lic.enabled = enabled
            bump(lic)
            verb = "enabled" if enabled else "disabled"
            _record(
                session,
                actor,
                lic,
                await _store_id(session, lic),
                verb,
                f"{verb} license {_name(lic)}",
                {"enabled": [not enabled, enabled]},
            )
        return await licenses.license_detail(session, lic)


def _device_json(d: Device) -> dict[str, Any]:
    return {
        "identifier": d.identifier,
        "hostname": d.hostname,
        "os": d.os,
        "is_vm": d.is_vm,
        "first_seen_at": d.first_seen_at,
        "last_seen_at": d.last_seen_at,
    }


async def release_devices(
    db: Database,
    actor: str,
    license_id: int,
    version: int,
    device_id: int | None = None,
    identifier: str | None = None,
) -> LicenseDetail:
    """Reset activations (no device named: every device released, the transfer count up by
    one) or release one device (by row id or identifier; its seat is free again)."""
    require(actor, "change_license")
    async with db.write() as session:
        lic = await _locked(session, license_id, version)
        query = select(Device).where(Device.license_id == lic.id)
        one = device_id is not None or identifier is not None
        if device_id is not None:
            query = query.where(Device.id == device_id)
        if identifier is not None:
            query = query.where(Device.identifier == identifier)
        released = list(await session.scalars(query.order_by(Device.id)))
        if one and not released:
            raise NotFound(
                "that device is no longer active on this license (released by someone else?)"
            )
        await session.execute(delete(Device).where(Device.id.in_([d.id for d in released])))
        remaining = (
            await session.scalar(select(func.count(Device.id)).where(Device.license_id == lic.id))
            or 0
        )
        changes: dict[str, list[Any]] = {"times_activated": [lic.times_activated, remaining]}
        lic.times_activated = remaining
        if one:
            d = released[0]
            summary = f"released device {d.hostname or d.identifier} of {_name(lic)}"
        else:
            changes["transfer_count"] = [lic.transfer_count, lic.transfer_count + 1]
            lic.transfer_count += 1
            summary = f"reset activations of {_name(lic)}: {len(released)} device(s) released"
        bump(lic)
        _record(
            session,
            actor,
            lic,
            await _store_id(session, lic),
            "released" if one else "reset",
            summary,
            changes,
            {"released": [_device_json(d) for d in released]},
        )
        return await licenses.license_detail(session, lic)


def _extended(current: date | None, duration: str | None, until: date | None) -> date | None:
    """The new end date: ``until``, or ``duration`` added to the current end (or today when
    it has passed or there is none)."""
    if until is not None:
        return until
    assert duration is not None
    today = datetime.now(UTC).date()
    return add_duration(max(current, today) if current else today, duration)


async def update_license(
    db: Database, actor: str, license_id: int, version: int, values: dict[str, Any]
) -> LicenseDetail:
    """Change the note, max activations / transfers, and extend validity or maintenance.
    ``values`` as typed (``FieldErrors`` for bad ones; nothing is saved then)."""
    require(actor, "change_license")
    changes = parse_changes(values)
    async with db.write() as session:
        lic = await _locked(session, license_id, version)
        old = {
            name: getattr(lic, name)
            for name in (
                "note",
                "max_activations",
                "allow_unlimited_activations",
                "max_transfers",
                "validity_period",
                "maintenance_period",
            )
        }
        new: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if changes.note is not None:
            new["note"] = changes.note
        limit = activation_limit(changes)
        if limit is not None:
            count, unlimited = limit
            if count is not None and count < lic.times_activated:
                errors["max_activations"] = (
                    f"{lic.times_activated} devices are active: release some first"
                )
            new["max_activations"] = count if count is not None else lic.max_activations
            new["allow_unlimited_activations"] = unlimited
        if changes.max_transfers is not None:
            new["max_transfers"] = changes.max_transfers
        if changes.extend or changes.valid_until:
            if lic.license_type not in ("time-limited", "subscription"):
                errors["valid_until" if changes.valid_until else "extend"] = (
                    f"a {lic.license_type} license has no validity to extend"
                )
            else:
                new["validity_period"] = _extended(
                    lic.validity_period, changes.extend, changes.valid_until
                )
        if changes.maintenance_extend or changes.maintenance_until:
            new["maintenance_period"] = _extended(
                lic.maintenance_period, changes.maintenance_extend, changes.maintenance_until
            )
        if errors:
            raise FieldErrors(errors)
        diff = audit.diff(old, new)
        if diff:
            for name, value in new.items():
                setattr(lic, name, value)
            bump(lic)
            _record(
                session,
                actor,
                lic,
                await _store_id(session, lic),
                "updated",
                f"changed license {_name(lic)}",
                diff,
            )
        return await licenses.license_detail(session, lic)
