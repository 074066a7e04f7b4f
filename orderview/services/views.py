"""Read models handed to screens and commands: frozen, plain, safe to pass between tasks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool = False


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One row of the orders search table."""

    id: int
    store_id: str
    reference: str
    customer: str  # company, else name, else email; "" without a customer
    license_count: int
    is_test: bool
    is_trial: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    email: str
    first_name: str
    last_name: str
    company_name: str
    phone: str
    reference: str
    address: str
    city: str
    state: str
    postcode: str
    country: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return self.company_name or name or self.email

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ManagerView:
    """A manager as assigned to one order (permissions are per assignment)."""

    assignment_id: int
    manager_id: int
    email: str
    first_name: str
    last_name: str
    phone_number: str
    permissions: list[str]
    is_initial_password: bool
    is_active: bool
    assignment_version: int
    invite_status: str | None = None  # queued | sent | failed | None (never invited)
    invite_at: datetime | None = None
    invite_error: str = ""
    invite_kind: str | None = None  # manager_invite | manager_added (notice, no password)
    invite_attempts: int = 0
    invite_next_at: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class OrderDetail:
    id: int
    store_id: str
    reference: str
    campaign_params: str
    download_id: str
    language: str
    is_test: bool
    is_trial: bool
    order_type: str
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    version: int
    customer: CustomerView | None
    license_count: int
    managers: list[ManagerView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LicenseRow:
    id: int
    license_key: str | None
    user_email: str | None
    product_code: str
    product_name: str
    license_type: str
    status: str
    enabled: bool
    times_activated: int
    max_activations: int | None
    allow_unlimited_activations: bool
    validity_period: date | None
    valid_duration: str | None
    start_date: date | None
    is_trial: bool
    trial_days: int | None
    is_floating: bool
    floating_users: int | None
    max_transfers: int
    note: str
    created_at: datetime

    @property
    def identity(self) -> str:
        return self.license_key or self.user_email or ""

    @property
    def activations(self) -> str:
        limit = "∞" if self.allow_unlimited_activations else str(self.max_activations or 0)
        return f"{self.times_activated}/{limit}"


@dataclass(frozen=True, slots=True)
class AuditView:
    id: int
    at: datetime
    operator: str
    action: str
    entity: str
    entity_id: int | None
    order_id: int | None
    order_store_id: str | None
    summary: str
    changes: dict[str, list[Any]]
    snapshot: dict[str, Any] | None
    operator_key: str | None = None  # the SSH key's fingerprint under ``orderview serve``
    operator_address: str | None = None


# Alike mail.outbox.DeliveryResult by shape only (a frozen dataclass of one row).
@dataclass(frozen=True, slots=True)
class DeviceView:
    """One activation of a license (a row of ``devices``)."""

    id: int
    identifier: str
    hostname: str
    os: str
    is_vm: bool
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class LicenseDetail:
    """Everything the license screen and ``orderview license show`` show of one license."""

    id: int
    version: int
    order_id: int
    order_store_id: str
    license_key: str | None
    user_email: str | None
    product_code: str
    product_name: str
    policy_code: str | None
    policy_name: str | None
    license_type: str
    status: str
    enabled: bool
    values: dict[str, Any]  # every entitlement column by name (validity, activations, …)
    note: str
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    devices: list[DeviceView] = field(default_factory=list)
    devices_more: bool = False  # more devices than were loaded

    @property
    def identity(self) -> str:
        return self.license_key or self.user_email or ""

    @property
    def identity_kind(self) -> str:
        return "key" if self.license_key else "user email"
