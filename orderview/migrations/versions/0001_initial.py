"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27 21:45:19.982774
"""
# Migrations are history: each states its tables in full, as alembic wrote them (here with a few
# local helpers for the repeated columns), so later model changes cannot alter what an old
# revision did. The licenses and license_policies tables repeat
# the entitlement columns on purpose (a policy's values are copied onto each license).

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderview.db.types

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


# The columns this revision repeats, built exactly as alembic wrote them out (the schema is
# byte-for-byte the same on SQLite and PostgreSQL) and from nothing a later model could change.
def _json(name: str, nullable: bool = True) -> sa.Column[object]:
    """JSON, as JSONB on PostgreSQL."""
    return sa.Column(
        name,
        sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
        nullable=nullable,
    )


def _bytewise(name: str, length: int, nullable: bool = False) -> sa.Column[object]:
    """A string compared byte by byte on PostgreSQL (collation "C"): keys and search copies."""
    return sa.Column(
        name,
        sa.String(length=length).with_variant(
            sa.String(length=length, collation="C"), "postgresql"
        ),
        nullable=nullable,
    )


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, orderview.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _stamps(version: bool = True) -> list[sa.Column[object]]:
    """``created_at``, ``updated_at`` and (unless told otherwise) ``version``."""
    columns = [_at("created_at"), _at("updated_at")]
    if version:
        columns.append(sa.Column("version", sa.Integer(), nullable=False))
    return columns


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _at("at"),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("entity_version", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_store_id", sa.String(length=100), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        _json("changes"),
        _json("snapshot"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_entity_entity_id_id", ["entity", "entity_id", "id"], unique=False
        )
        batch_op.create_index("ix_audit_events_order_id_id", ["order_id", "id"], unique=False)

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        _bytewise("email_lc", 254),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        _bytewise("name_lc", 201),
        _bytewise("last_name_lc", 100),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        _bytewise("company_lc", 200),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        _json("metadata"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("email_lc", name=op.f("uq_customers_email_lc")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_company_lc"), ["company_lc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_last_name_lc"), ["last_name_lc"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customers_name_lc"), ["name_lc"], unique=False)

    op.create_table(
        "license_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        _bytewise("email_lc", 254),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("phone_number", sa.String(length=50), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_initial_password", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_managers")),
        sa.UniqueConstraint("email_lc", name=op.f("uq_license_managers_email_lc")),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        _at("created_at"),
        _at("next_attempt_at"),
        _at("sent_at", nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_outbox_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_mail_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_code", sa.String(length=64), nullable=False),
        sa.Column("authorization_method", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("short_code", name=op.f("uq_products_short_code")),
    )
    op.create_table(
        "license_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("license_type", sa.String(length=16), nullable=False),
        sa.Column("valid_duration", sa.String(length=16), nullable=True),
        sa.Column("validity_period", sa.Date(), nullable=True),
        sa.Column("grace_period", sa.Integer(), nullable=True),
        sa.Column("max_consumptions", sa.Integer(), nullable=True),
        sa.Column("allow_unlimited_consumptions", sa.Boolean(), nullable=False),
        sa.Column("allow_overages", sa.Boolean(), nullable=False),
        sa.Column("max_overages", sa.Integer(), nullable=True),
        sa.Column("reset_consumption", sa.Boolean(), nullable=False),
        sa.Column("consumption_period", sa.String(length=16), nullable=True),
        sa.Column("max_activations", sa.Integer(), nullable=True),
        sa.Column("allow_unlimited_activations", sa.Boolean(), nullable=False),
        sa.Column("max_transfers", sa.Integer(), nullable=False),
        sa.Column("prevent_vm", sa.Boolean(), nullable=False),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=True),
        sa.Column("maintenance_duration", sa.String(length=16), nullable=True),
        sa.Column("is_floating", sa.Boolean(), nullable=False),
        sa.Column("floating_users", sa.Integer(), nullable=True),
        sa.Column("floating_timeout", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_license_policies_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_policies")),
        sa.UniqueConstraint("product_id", "code", name=op.f("uq_license_policies_product_id_code")),
    )
    op.create_table(
        "mail_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        _at("at"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["mail_outbox.id"],
            name=op.f("fk_mail_attempts_outbox_id_mail_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attempts")),
    )
    with op.batch_alter_table("mail_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_attempts_outbox_id"), ["outbox_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=100), nullable=False),
        _bytewise("store_id_lc", 100),
        sa.Column("reference", sa.String(length=100), nullable=False),
        _bytewise("reference_lc", 100),
        sa.Column("campaign_params", sa.String(length=500), nullable=False),
        sa.Column("download_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        _json("metadata"),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_orders_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("store_id", name=op.f("uq_orders_store_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_reference_lc"), ["reference_lc"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_store_id_lc"), ["store_id_lc"], unique=False)

    op.create_table(
        "licenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        _bytewise("license_key", 32, nullable=True),
        sa.Column("user_email", sa.String(length=254), nullable=True),
        sa.Column("license_type", sa.String(length=16), nullable=False),
        sa.Column("valid_duration", sa.String(length=16), nullable=True),
        sa.Column("validity_period", sa.Date(), nullable=True),
        sa.Column("grace_period", sa.Integer(), nullable=True),
        sa.Column("max_consumptions", sa.Integer(), nullable=True),
        sa.Column("allow_unlimited_consumptions", sa.Boolean(), nullable=False),
        sa.Column("total_consumptions", sa.Integer(), nullable=False),
        sa.Column("allow_overages", sa.Boolean(), nullable=False),
        sa.Column("max_overages", sa.Integer(), nullable=True),
        sa.Column("reset_consumption", sa.Boolean(), nullable=False),
        sa.Column("consumption_period", sa.String(length=16), nullable=True),
        sa.Column("max_activations", sa.Integer(), nullable=True),
        sa.Column("allow_unlimited_activations", sa.Boolean(), nullable=False),
        sa.Column("times_activated", sa.Integer(), nullable=False),
        sa.Column("max_transfers", sa.Integer(), nullable=False),
        sa.Column("transfer_count", sa.Integer(), nullable=False),
        sa.Column("prevent_vm", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("maintenance_duration", sa.String(length=16), nullable=True),
        sa.Column("maintenance_period", sa.Date(), nullable=True),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=True),
        sa.Column("is_floating", sa.Boolean(), nullable=False),
        sa.Column("floating_users", sa.Integer(), nullable=True),
        sa.Column("floating_timeout", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _json("metadata"),
        *_stamps(version=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_licenses_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["license_policies.id"],
            name=op.f("fk_licenses_policy_id_license_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_licenses_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licenses")),
        sa.UniqueConstraint("license_key", name=op.f("uq_licenses_license_key")),
    )
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.create_index("ix_licenses_order_id_id", ["order_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licenses_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licenses_product_id"), ["product_id"], unique=False)

    op.create_table(
        "order_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        _json("permissions", nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_managers.id"],
            name=op.f("fk_order_managers_manager_id_license_managers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_managers_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_managers")),
        sa.UniqueConstraint(
            "order_id", "manager_id", name=op.f("uq_order_managers_order_id_manager_id")
        ),
    )
    with op.batch_alter_table("order_managers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_managers_manager_id"), ["manager_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("order_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_managers_manager_id"))

    op.drop_table("order_managers")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licenses_product_id"))
        batch_op.drop_index(batch_op.f("ix_licenses_policy_id"))
        batch_op.drop_index("ix_licenses_order_id_id")

    op.drop_table("licenses")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_store_id_lc"))
        batch_op.drop_index(batch_op.f("ix_orders_reference_lc"))
        batch_op.drop_index(batch_op.f("ix_orders_customer_id"))
        batch_op.drop_index("ix_orders_created_at_id")

    op.drop_table("orders")
    with op.batch_alter_table("mail_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_attempts_outbox_id"))

    op.drop_table("mail_attempts")
    op.drop_table("license_policies")
    op.drop_table("products")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_mail_outbox_order_id"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_manager_id"))

    op.drop_table("mail_outbox")
    op.drop_table("license_managers")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_name_lc"))
        batch_op.drop_index(batch_op.f("ix_customers_last_name_lc"))
        batch_op.drop_index(batch_op.f("ix_customers_company_lc"))

    op.drop_table("customers")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_order_id_id")
        batch_op.drop_index("ix_audit_events_entity_entity_id_id")

    op.drop_table("audit_events")
