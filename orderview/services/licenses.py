"""One license: read it with its devices and history (the license screen, ``orderview license``).

Reads only; the support desk's actions on a license are ``services/license_actions.py``, which
answers each with this module's ``license_detail``. Devices are rows of ``devices``;
``times_activated`` is always their number.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Device, License, LicensePolicy, Order, Product
from orderview.keys import normalize_key
from orderview.schemas.entitlements import ENTITLEMENT_FIELDS
from orderview.services import audit
from orderview.services.errors import NotFound
from orderview.services.normalize import lc, unfindable
from orderview.services.orders import license_status
from orderview.services.views import AuditView, DeviceView, LicenseDetail, Page

DEVICE_LIMIT = 200  # devices shown with a license (a floating license may have thousands)
VALUE_FIELDS = (
    *(f for f in ENTITLEMENT_FIELDS if f != "note"),
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


async def license_detail(session: AsyncSession, lic: License) -> LicenseDetail:
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
        return await license_detail(session, lic)


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
            return await license_detail(session, lic)
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
        return await license_detail(session, rows[0][0])


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
