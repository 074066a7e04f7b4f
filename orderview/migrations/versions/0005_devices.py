"""devices (a license's activations) and a version on licenses (its support actions are
optimistically locked like every other write)

Revision ID: 0005_devices
Revises: 0004_audit_operator_key
Create Date: 2026-12-04 07:20:00
"""
# The header below is alembic's (as in every revision); the repeats with other revisions are
# history, not code to share (see 0001_initial).

import sqlalchemy as sa
from alembic import op

import orderview.db.types

revision = "0005_devices"
down_revision = "0004_audit_operator_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: SQLite adds the column in place (no copy of a million rows).
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("license_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("os", sa.String(length=100), nullable=False),
        sa.Column("is_vm", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", orderview.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", orderview.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_devices_license_id_licenses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint(
            "license_id", "identifier", name=op.f("uq_devices_license_id_identifier")
        ),
    )


def downgrade() -> None:
    op.drop_table("devices")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_column("version")
