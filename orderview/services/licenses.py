"""One license: read it with its devices and history, and the support desk's actions on it.

Every action is one call, one transaction: the role check (``change_license``), the license
row locked and checked against the version the caller loaded (``ConflictError`` names who
changed what), the change, ``version``/``updated_at`` bumped, and one audit event with
``{field: [old, new]}`` on entity ``license``. Devices are rows of ``devices``;
``times_activated`` is always their number (a reset deletes them all, a release one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Device, License, LicensePolicy, Order, Product
from orderview.keys import normalize_key
from orderview.roles import require
from orderview.schemas.issuing import ENTITLEMENT_FIELDS
from orderview.schemas.license_edit import activation_limit, add_duration, parse_changes
from orderview.services import audit
from orderview.services.errors import FieldErrors, NotFound
from orderview.services.normalize import lc, unfindable
from orderview.services.orders import license_status
from orderview.services.versioning import bump, lock_versioned
from orderview.services.views import AuditView, DeviceView, LicenseDetail, Page

DEVICE_LIMIT = 200  # devices shown with a license (a floating license may have thousands)
VALUE_FIELDS = tuple(f for f in ENTITLEMENT_FIELDS if f != "note") + (
    "times_activated",
    "transfer_count",
    "total_consumptions",
)


def device_view(d: Device) -> DeviceView:
    return DeviceView(
        id=d.id,
        identifier=d.identifier,
        hostname=d.hostname,
        os=d.os,
        is_vm=d.is_vm,
        first_seen_at=d.first_seen_at,
        last_seen_at=d.last_seen_at,
    )


async def _devices(
    session: AsyncSession, license_id: int, limit: int = DEVICE_LIMIT
) -> tuple[list[DeviceView], bool]:
    rows = list(
        await session.scalars(
            select(Device)
            .where(Device.license_id == license_id)
            .order_by(Device.id)
            .limit(limit + 1)
        )
    )
    return [device_view(d) for d in rows[:limit]], len(rows) > limit


async def _detail(session: AsyncSession, lic: License) -> LicenseDetail:
    product = await session.get(Product, lic.product_id)
    policy = await session.get(LicensePolicy, lic.policy_id) if lic.policy_id else None
    store_id = await session.scalar(select(Order.store_id).where(Order.id == lic.order_id))
    devices, more = await _devices(session, lic.id)
    return LicenseDetail(
        id=lic.id,
        version=lic.version,
        order_id=lic.order_id,
        order_store_id=store_id or "",
        license_key=lic.license_key,
        user_email=lic.user_email,
        product_code=product.short_code if product else "",
        product_name=product.name if product else "",
        policy_code=policy.code if policy else None,
        policy_name=policy.name if policy else None,
        license_type=lic.license_type,
        status=license_status(lic.enabled, lic.validity_period, lic.times_activated),
        enabled=lic.enabled,
        values={name: getattr(lic, name) for name in VALUE_FIELDS},
        note=lic.note,
        metadata=lic.metadata_,
        created_at=lic.created_at,
        updated_at=lic.updated_at,
        devices=devices,
        devices_more=more,
    )


async def get_license(db: Database, license_id: int) -> LicenseDetail:
    async with db.sessions() as session:
        lic = await session.get(License, license_id)
        if lic is None:
            raise NotFound("no such license (deleted with its order?)")
        return await _detail(session, lic)


async def find_license(
    db: Database, key: str, store_id: str | None = None, product: str | None = None
) -> LicenseDetail:
    """By license key; a user email (user-based products) needs its order's Order ID, and the
    product's code when the user holds licenses of several products there."""
    if unfindable(key, db.dialect) or (store_id is not None and unfindable(store_id, db.dialect)):
        raise NotFound("no such license")
    async with db.sessions() as session:
        if "@" not in key:
            lic = await session.scalar(
                select(License).where(License.license_key == normalize_key(key))
            )
            if lic is None:
                raise NotFound(f"no license with key {key!r}")
            return await _detail(session, lic)
        if not store_id:
            raise NotFound(
                "a user email names a license only within its order: give the Order ID (--order)"
            )
        query = (
            select(License, Product.short_code)
            .join(Product, Product.id == License.product_id)
            .join(Order, Order.id == License.order_id)
            .where(Order.store_id == store_id, func.lower(License.user_email) == lc(key))
        )
        if product:
            query = query.where(Product.short_code == product)
        rows = (await session.execute(query.limit(20))).all()
        if not rows:
            raise NotFound(f"no license for user {key!r} in order {store_id!r}")
        if len(rows) > 1:
            codes = ", ".join(sorted(code for _, code in rows))
            raise NotFound(
                f"{key!r} holds licenses of several products ({codes}): "
                "give the product (--product)"
            )
        return await _detail(session, rows[0][0])


async def license_history(
    db: Database, license_id: int, before_id: int | None = None, limit: int = 50
) -> Page[AuditView]:
    """The license's own events (entity ``license``), newest first, and last of all its
    issuance: the first ``issued`` event of its order at or after its creation (that event's
    list of keys is left out: it may hold thousands)."""
    query = select(AuditEvent).where(
        AuditEvent.entity == "license", AuditEvent.entity_id == license_id
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    query = query.order_by(AuditEvent.id.desc()).limit(limit + 1)
    async with db.sessions() as session:
        rows = list(await session.scalars(query))
        items = [audit.event_view(e) for e in rows[:limit]]
        if len(rows) > limit:
            return Page(items, has_more=True)
        lic = await session.get(License, license_id)
        if lic is not None:
            issued = (
                await session.execute(
                    select(
                        AuditEvent.id,
                        AuditEvent.at,
                        AuditEvent.operator,
                        AuditEvent.summary,
                        AuditEvent.order_store_id,
                    )
                    .where(
                        AuditEvent.order_id == lic.order_id,
                        AuditEvent.action == "issued",
                        AuditEvent.at >= lic.created_at,
                    )
                    .order_by(AuditEvent.id)
                    .limit(1)
                )
            ).first()
            if issued is not None and (before_id is None or issued.id < before_id):
                items.append(
                    AuditView(
                        id=issued.id,
                        at=issued.at,
                        operator=issued.operator,
                        action="issued",
                        entity="order",
                        entity_id=lic.order_id,
                        order_id=lic.order_id,
                        order_store_id=issued.order_store_id,
                        summary=issued.summary,
                        changes={},
                        snapshot=None,
                    )
                )
    return Page(items, has_more=False)


# --- actions --------------------------------------------------------------------------------


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
        return await _detail(session, lic)


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
        return await _detail(session, lic)


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
        return await _detail(session, lic)
