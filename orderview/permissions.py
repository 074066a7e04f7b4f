"""License manager permission codes, labels and plan rules (see shared/domain.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Permission:
    code: str
    label: str
    meaning: str
    distribution: bool = False  # grantable only on the enterprise plan


PERMISSIONS: tuple[Permission, ...] = (
    Permission("manage_license_users", "Manage license users", "add, edit or delete license users"),
    Permission(
        "manage_license_user_credentials",
        "Manage license user credentials",
        "change license users' passwords",
    ),
    Permission("manage_managers", "Manage managers", "add new license managers to an order"),
    Permission("reset_device", "Reset device", "reset (deactivate) a device"),
    Permission("reset_license", "Reset license", "reset a license (remove all its devices)"),
    Permission("borrow_license", "Borrow license", "manage floating license borrowing"),
    Permission(
        "create_bundle_order",
        "Create bundle order",
        "create new product bundle orders",
        distribution=True,
    ),
    Permission("create_order", "Create order", "create new orders", distribution=True),
    Permission(
        "issue_license",
        "Issue license",
        "issue new licenses on an existing order",
        distribution=True,
    ),
)

PERMISSION_CODES: tuple[str, ...] = tuple(p.code for p in PERMISSIONS)
PERMISSION_BY_CODE: dict[str, Permission] = {p.code: p for p in PERMISSIONS}
DISTRIBUTION_CODES: frozenset[str] = frozenset(p.code for p in PERMISSIONS if p.distribution)
DEFAULT_PERMISSIONS: tuple[str, ...] = ("manage_license_users", "reset_device", "reset_license")
ENTERPRISE_ONLY_REASON = "distribution permissions need the enterprise plan"


def sort_codes(codes: Iterable[str]) -> list[str]:
    """Canonical order (the table's), dropping duplicates."""
    wanted = set(codes)
    return [code for code in PERMISSION_CODES if code in wanted]
