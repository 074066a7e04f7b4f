"""audit events record how the operator was authenticated (orderview serve)

Revision ID: 0004_audit_operator_key
Revises: 0003_invite_expiry
Create Date: 2026-12-04 07:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_audit_operator_key"
down_revision = "0003_invite_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operator_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("operator_address", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("operator_address")
        batch_op.drop_column("operator_key")
