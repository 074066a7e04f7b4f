"""indexes for the Licenses tab's filters and sorts (services/license_query.py)

Revision ID: 0006_license_filters
Revises: 0005_devices
Create Date: 2026-12-04 07:40:00

Each sort of an order's licenses pages by keyset on (order_id, column, id); the state index
covers counting by status (enabled, activations, validity) and product without the table.
``licenses.version`` comes with 0005_devices; this revision adds it only where it is missing,
so it also runs on a branch without 0005.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_license_filters"
down_revision = "0005_devices"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_licenses_order_key": ["order_id", "license_key", "id"],
    "ix_licenses_order_email": ["order_id", "user_email_lc", "id"],
    "ix_licenses_order_created": ["order_id", "created_at", "id"],
    "ix_licenses_order_validity": ["order_id", "validity_period", "id"],
    "ix_licenses_order_updated": ["order_id", "updated_at", "id"],
    "ix_licenses_order_state": [
        "order_id",
        "enabled",
        "times_activated",
        "validity_period",
        "product_id",
    ],
}


def _has_version() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("licenses")
    return any(c["name"] == "version" for c in columns)


def upgrade() -> None:
    if not _has_version():
        # A constant default: SQLite adds the column in place (no copy of a million rows).
        op.add_column(
            "licenses", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )
    for name, columns in INDEXES.items():
        op.create_index(name, "licenses", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="licenses")
