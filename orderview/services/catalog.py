"""Products and their license policies: what the issuing wizard and ``orderview issue`` offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from orderview.db.engine import Database
from orderview.db.models import LicensePolicy, Product
from orderview.services.errors import NotFound
from orderview.services.normalize import unfindable
from orderview.services.rows import view_by_id

# The policy columns that are license defaults (every one is also a ``licenses`` column).
POLICY_VALUE_FIELDS: tuple[str, ...] = (
    "license_type",
    "valid_duration",
    "validity_period",
    "grace_period",
    "max_consumptions",
    "allow_unlimited_consumptions",
    "allow_overages",
    "max_overages",
    "reset_consumption",
    "consumption_period",
    "max_activations",
    "allow_unlimited_activations",
    "max_transfers",
    "prevent_vm",
    "is_trial",
    "trial_days",
    "maintenance_duration",
    "is_floating",
    "floating_users",
    "floating_timeout",
)


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    name: str
    short_code: str
    authorization_method: str  # "license-key" | "user"
    active: bool

    @property
    def user_based(self) -> bool:
        """User-based products identify licenses by user email, not by key."""
        return self.authorization_method == "user"


@dataclass(frozen=True, slots=True)
class PolicyView:
    id: int
    product_id: int
    name: str
    code: str
    is_default: bool
    defaults: dict[str, Any]  # the license values the policy presets (POLICY_VALUE_FIELDS)


def product_view(p: Product) -> ProductView:
    return ProductView(p.id, p.name, p.short_code, p.authorization_method, p.active)


def policy_view(p: LicensePolicy) -> PolicyView:
    return PolicyView(
        p.id,
        p.product_id,
        p.name,
        p.code,
        p.is_default,
        {name: getattr(p, name) for name in POLICY_VALUE_FIELDS},
    )


async def list_products(db: Database, include_inactive: bool = False) -> list[ProductView]:
    """Products by name; inactive ones (no longer sold) only when asked for."""
    query = select(Product).order_by(Product.name, Product.id)
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    async with db.sessions() as session:
        return [product_view(p) for p in await session.scalars(query)]


async def get_product(db: Database, product_id: int) -> ProductView:
    return await view_by_id(db, Product, product_id, product_view, "no such product")


def _by_code(items: list[Any], code: str, attr: str) -> Any | None:
    """The item whose code is ``code``: exactly, else the one that matches ignoring case and
    surrounding spaces (codes are typed: ``--product atlas``)."""
    exact = [i for i in items if getattr(i, attr) == code]
    if exact:
        return exact[0]
    folded = [i for i in items if getattr(i, attr).casefold() == code.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def _valid(codes: list[str]) -> str:
    return ", ".join(sorted(codes, key=str.casefold)) or "none"


async def product_by_code(db: Database, short_code: str) -> ProductView:
    """The product with this short code, ignoring case; ``NotFound`` lists the valid codes."""
    products = await list_products(db, include_inactive=True)
    found: ProductView | None = (
        None if unfindable(short_code, db.dialect) else _by_code(products, short_code, "short_code")
    )
    if found is None:
        valid = _valid([p.short_code for p in products if p.active])
        raise NotFound(f"no product with code {short_code!r}; valid codes: {valid}")
    return found


async def list_policies(db: Database, product_id: int) -> list[PolicyView]:
    """A product's policies, the default first, then by name."""
    query = (
        select(LicensePolicy)
        .where(LicensePolicy.product_id == product_id)
        .order_by(LicensePolicy.is_default.desc(), LicensePolicy.name, LicensePolicy.id)
    )
    async with db.sessions() as session:
        return [policy_view(p) for p in await session.scalars(query)]


async def get_policy(db: Database, policy_id: int) -> PolicyView:
    return await view_by_id(db, LicensePolicy, policy_id, policy_view, "no such license policy")


async def policy_by_code(db: Database, product_id: int, code: str) -> PolicyView:
    """The product's policy with this code, ignoring case; ``NotFound`` lists the valid ones."""
    policies = await list_policies(db, product_id)
    found: PolicyView | None = (
        None if unfindable(code, db.dialect) else _by_code(policies, code, "code")
    )
    if found is None:
        raise NotFound(
            f"no policy {code!r} for this product; valid policies: "
            f"{_valid([p.code for p in policies])}"
        )
    return found


async def catalog(db: Database) -> list[tuple[ProductView, list[PolicyView]]]:
    """Every product (sold or not) by name, each with its policies (default first, then by
    name): what ``orderview products`` lists."""
    async with db.sessions() as session:
        products = [
            product_view(p)
            for p in await session.scalars(select(Product).order_by(Product.name, Product.id))
        ]
        policies = [
            policy_view(p)
            for p in await session.scalars(
                select(LicensePolicy).order_by(
                    LicensePolicy.is_default.desc(), LicensePolicy.name, LicensePolicy.id
                )
            )
        ]
    return [(p, [q for q in policies if q.product_id == p.id]) for p in products]


async def default_policy(db: Database, product_id: int) -> PolicyView | None:
    policies = await list_policies(db, product_id)
    return policies[0] if policies and policies[0].is_default else None
