"""SQLAlchemy 2 typed ORM models: the schema of shared/domain.md.

Invariants kept here:
- ``*_lc`` columns are lower-cased (license keys upper-cased) copies used for indexed prefix
  search; only the service layer writes them (see ``orderview.services.normalize``).
- ``version`` on order, customer, license and assignment is the optimistic-lock counter.
- Audit events and the mail outbox have no foreign keys to what they describe: they outlive it.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from orderview.db.types import JSONType, UTCDateTime, search_key, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_code: Mapped[str] = mapped_column(String(64), unique=True)
    authorization_method: Mapped[str] = mapped_column(String(16), default="license-key")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    policies: Mapped[list["LicensePolicy"]] = relationship(
        back_populates="product", order_by="LicensePolicy.id"
    )


class LicensePolicy(Base):
    """A product's preset for issuing: default values for every license field."""

    __tablename__ = "license_policies"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    license_type: Mapped[str] = mapped_column(String(16), default="perpetual")
    valid_duration: Mapped[str | None] = mapped_column(String(16))
    validity_period: Mapped[date | None] = mapped_column(Date)
    grace_period: Mapped[int | None] = mapped_column(Integer)
    max_consumptions: Mapped[int | None] = mapped_column(Integer)
    allow_unlimited_consumptions: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_overages: Mapped[bool] = mapped_column(Boolean, default=False)
    max_overages: Mapped[int | None] = mapped_column(Integer)
    reset_consumption: Mapped[bool] = mapped_column(Boolean, default=False)
    consumption_period: Mapped[str | None] = mapped_column(String(16))
    max_activations: Mapped[int | None] = mapped_column(Integer, default=1)
    allow_unlimited_activations: Mapped[bool] = mapped_column(Boolean, default=False)
    max_transfers: Mapped[int] = mapped_column(Integer, default=0)
    prevent_vm: Mapped[bool] = mapped_column(Boolean, default=False)
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_days: Mapped[int | None] = mapped_column(Integer)
    maintenance_duration: Mapped[str | None] = mapped_column(String(16))
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False)
    floating_users: Mapped[int | None] = mapped_column(Integer)
    floating_timeout: Mapped[int | None] = mapped_column(Integer)

    product: Mapped[Product] = relationship(back_populates="policies")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_lc: Mapped[str] = mapped_column(search_key(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    name_lc: Mapped[str] = mapped_column(search_key(201), default="", index=True)
    last_name_lc: Mapped[str] = mapped_column(search_key(100), default="", index=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    company_lc: Mapped[str] = mapped_column(search_key(200), default="", index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[str] = mapped_column(String(100), unique=True)
    # Unique: Order IDs that differ only in case are one Order ID (invariants.md).
    store_id_lc: Mapped[str] = mapped_column(search_key(100), index=True, unique=True)
    reference: Mapped[str] = mapped_column(String(100), default="")
    reference_lc: Mapped[str] = mapped_column(search_key(100), default="", index=True)
    campaign_params: Mapped[str] = mapped_column(String(500), default="")
    download_id: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    order_type: Mapped[str] = mapped_column(String(16), default="normal")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer | None] = relationship(lazy="raise")


class License(Base):
    __tablename__ = "licenses"
    __table_args__ = (
        Index("ix_licenses_order_id_id", "order_id", "id"),
        # The Licenses tab's filters and sorts (services/license_query.py, 0006_license_filters):
        # each sort pages by keyset on (order_id, column, id); the state index covers counting
        # by status and product without reading the table.
        Index("ix_licenses_order_key", "order_id", "license_key", "id"),
        Index("ix_licenses_order_email", "order_id", "user_email_lc", "id"),
        Index("ix_licenses_order_created", "order_id", "created_at", "id"),
        Index("ix_licenses_order_validity", "order_id", "validity_period", "id"),
        Index("ix_licenses_order_updated", "order_id", "updated_at", "id"),
        Index(
            "ix_licenses_order_state",
            "order_id",
            "enabled",
            "times_activated",
            "validity_period",
            "product_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("license_policies.id", ondelete="SET NULL"), index=True
    )
    # Key-based products: the key (upper case, dashed). User-based: NULL and user_email set.
    license_key: Mapped[str | None] = mapped_column(search_key(32), unique=True)
    user_email: Mapped[str | None] = mapped_column(String(254))
    user_email_lc: Mapped[str | None] = mapped_column(search_key(254), index=True)
    license_type: Mapped[str] = mapped_column(String(16), default="perpetual")
    valid_duration: Mapped[str | None] = mapped_column(String(16))
    validity_period: Mapped[date | None] = mapped_column(Date)
    grace_period: Mapped[int | None] = mapped_column(Integer)
    max_consumptions: Mapped[int | None] = mapped_column(Integer)
    allow_unlimited_consumptions: Mapped[bool] = mapped_column(Boolean, default=False)
    total_consumptions: Mapped[int] = mapped_column(Integer, default=0)
    allow_overages: Mapped[bool] = mapped_column(Boolean, default=False)
    max_overages: Mapped[int | None] = mapped_column(Integer)
    reset_consumption: Mapped[bool] = mapped_column(Boolean, default=False)
    consumption_period: Mapped[str | None] = mapped_column(String(16))
    max_activations: Mapped[int | None] = mapped_column(Integer, default=1)
    allow_unlimited_activations: Mapped[bool] = mapped_column(Boolean, default=False)
    times_activated: Mapped[int] = mapped_column(Integer, default=0)
    max_transfers: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    prevent_vm: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    maintenance_duration: Mapped[str | None] = mapped_column(String(16))
    maintenance_period: Mapped[date | None] = mapped_column(Date)
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_days: Mapped[int | None] = mapped_column(Integer)
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False)
    floating_users: Mapped[int | None] = mapped_column(Integer)
    floating_timeout: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # server default: issuing's fast SQLite INSERT names only the columns it sets
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Device(Base):
    """One activation of a license: a device it is active on. ``licenses.times_activated`` is
    the number of these rows; releasing a device deletes its row (the audit event keeps it)."""

    __tablename__ = "devices"
    # Its index also serves "the devices of a license" (a license has a handful; one index
    # fewer keeps the demo's million device rows cheap to write).
    __table_args__ = (UniqueConstraint("license_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"))
    # The hash the client SDK computes for the machine.
    identifier: Mapped[str] = mapped_column(String(200))
    hostname: Mapped[str] = mapped_column(String(255), default="")
    os: Mapped[str] = mapped_column(String(100), default="")
    is_vm: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Its email/name columns read like Customer's: two entities (a manager is not the order's
# customer) with their own tables, search keys and migrations; a shared mixin would couple them.
class LicenseManager(Base):
    """A person who manages licenses in the user portal; rights live on the assignment."""

    __tablename__ = "license_managers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_lc: Mapped[str] = mapped_column(search_key(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone_number: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_initial_password: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OrderManager(Base):
    """A manager's assignment to one order, with the permissions held on that order."""

    __tablename__ = "order_managers"
    __table_args__ = (UniqueConstraint("order_id", "manager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(
        ForeignKey("license_managers.id", ondelete="CASCADE"), index=True
    )
    permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    manager: Mapped[LicenseManager] = relationship(lazy="raise")


class AuditEvent(Base):
    """Immutable record of one write. No foreign keys: it must outlive what it describes."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_order_id_id", "order_id", "id"),
        Index("ix_audit_events_entity_entity_id_id", "entity", "entity_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator: Mapped[str] = mapped_column(String(200))
    # How ``orderview serve`` proved who the operator is: the public key's fingerprint and the
    # client's address (None for a local operator, whose name is only asserted).
    operator_key: Mapped[str | None] = mapped_column(String(100))
    operator_address: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_version: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer)
    order_store_id: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class MailOutbox(Base):
    """Mail written in the same transaction as what it announces; a sender delivers it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="manager_invite")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # what is (or was) sent; never a password
    status: Mapped[str] = mapped_column(
        String(16), default="queued"
    )  # queued|sent|failed|superseded|expired
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    manager_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # An undelivered invite expires then (set once it could be sent: a mail server known).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailAttempt(Base):
    """One delivery attempt of an outbox message, successful or not."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("mail_outbox.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
