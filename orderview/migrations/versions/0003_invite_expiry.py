"""invite expiry; no initial password kept in a queued invite

Revision ID: 0003_invite_expiry
Revises: 0002_order_id_nocase
Create Date: 2026-12-04 07:10:00

``mail_outbox.expires_at``: when an undelivered invite expires (docs/managers.md). Invites are
now composed with a fresh password at sending time, so the bodies of invites still waiting,
written by earlier versions with the initial password in plain text, are replaced by a line
saying so (their next delivery composes the mail anew).
"""

import sqlalchemy as sa
from alembic import op

import orderview.db.types

revision = "0003_invite_expiry"
down_revision = "0002_order_id_nocase"
branch_labels = None
depends_on = None

WAITING = "(composed when it is sent: the password is made then)"


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", orderview.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        sa.text(
            "UPDATE mail_outbox SET body = :body "
            "WHERE kind = 'manager_invite' AND status IN ('queued', 'failed')"
        ).bindparams(body=WAITING)
    )


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
