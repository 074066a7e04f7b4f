"""Small, explicit test data written straight through the ORM (tests only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderview.db.engine import Database
from orderview.db.models import (
    Customer,
    License,
    LicenseManager,
    LicensePolicy,
    Order,
    OrderManager,
    Product,
)
from orderview.keys import generate_keys
from orderview.services.normalize import customer_keys, lc

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


async def add_product(
    db: Database,
    code: str = "APP",
    name: str = "App Pro",
    method: str = "license-key",
    **policy: object,
) -> tuple[int, int]:
    """A product with one default policy; returns (product_id, policy_id)."""
    async with db.sessions.begin() as s:
        product = Product(name=name, short_code=code, authorization_method=method, active=True)
        s.add(product)
        await s.flush()
        pol = LicensePolicy(
            product_id=product.id,
            name=f"{name} standard",
            code="std",
            is_default=True,
            **policy,
        )
        s.add(pol)
        await s.flush()
        return product.id, pol.id


async def add_customer(
    db: Database,
    email: str = "ada@example.com",
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    company_name: str = "Analytical Engines Ltd",
    **fields: object,
) -> int:
    async with db.sessions.begin() as s:
        c = Customer(
            email=email,
            first_name=first_name,
            last_name=last_name,
            company_name=company_name,
            **customer_keys(email, first_name, last_name, company_name),
            **fields,
        )
        s.add(c)
        await s.flush()
        return c.id


async def add_order(
    db: Database,
    store_id: str = "ORD-1001",
    reference: str = "",
    customer_id: int | None = None,
    created_at: datetime = T0,
    **fields: object,
) -> int:
    async with db.sessions.begin() as s:
        o = Order(
            store_id=store_id,
            store_id_lc=lc(store_id),
            reference=reference,
            reference_lc=lc(reference),
            customer_id=customer_id,
            created_at=created_at,
            updated_at=created_at,
            **fields,
        )
        s.add(o)
        await s.flush()
        return o.id


async def add_licenses(
    db: Database,
    order_id: int,
    product_id: int,
    count: int,
    policy_id: int | None = None,
    keys: list[str] | None = None,
    **fields: object,
) -> list[str]:
    """``keys`` fixes the license keys (snapshot tests); otherwise they are generated."""
    keys = list(keys) if keys is not None else generate_keys(count)
    async with db.sessions.begin() as s:
        for i, key in enumerate(keys):
            s.add(
                License(
                    order_id=order_id,
                    product_id=product_id,
                    policy_id=policy_id,
                    license_key=key,
                    created_at=T0 + timedelta(seconds=i),
                    updated_at=T0,
                    **fields,
                )
            )
    return keys


async def add_manager(
    db: Database,
    order_id: int,
    email: str = "mgr@example.com",
    permissions: list[str] | None = None,
    first_name: str = "Grace",
    last_name: str = "Hopper",
) -> int:
    async with db.sessions.begin() as s:
        m = LicenseManager(
            email=email, email_lc=lc(email), first_name=first_name, last_name=last_name
        )
        s.add(m)
        await s.flush()
        s.add(
            OrderManager(
                order_id=order_id,
                manager_id=m.id,
                permissions=permissions or ["manage_license_users"],
            )
        )
        return m.id


async def add_many_licenses(
    db: Database,
    order_id: int,
    product_id: int,
    count: int,
    **fields: object,
) -> None:
    """``count`` licenses in one Core executemany (the 100,000-license bulk tests): ORM objects
    would cost ~10x. Created one second apart from ``T0``, in id order."""
    from sqlalchemy import insert

    keys = generate_keys(count)
    rows = [
        {
            "order_id": order_id,
            "product_id": product_id,
            "license_key": key,
            "created_at": T0 + timedelta(seconds=i),
            "updated_at": T0,
            **fields,
        }
        for i, key in enumerate(keys)
    ]
    async with db.sessions.begin() as s:
        for start in range(0, count, 20_000):
            await s.execute(insert(License), rows[start : start + 20_000])
