"""Order IDs unique regardless of case; license user emails searchable

Revision ID: 0002_order_id_nocase
Revises: 0001_initial
Create Date: 2026-12-04 07:00:00

- ``orders.store_id_lc`` (the lower-cased Order ID) becomes a unique index: ``MY-ORDER-1`` and
  ``my-order-1`` are one Order ID. A database that already holds such a pair is not changed:
  the upgrade stops with one line naming every clash (``UpgradeRefused``), so the operator can
  rename all but one of each and upgrade again.
- ``licenses.user_email_lc``: the lower-cased user email of user-based licenses, indexed for
  prefix search as license keys are; filled from ``user_email`` here, by the services after.
"""
# Its downgrade reads like 0001's (alembic's drop_index / drop_column per table): history,
# not code to share (see 0001_initial).

import sqlalchemy as sa
from alembic import op

from orderview.db.migrate import UpgradeRefused
from orderview.db.types import search_key
from orderview.services.normalize import lc

revision = "0002_order_id_nocase"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

BATCH = 20000


def clashes(conn: sa.Connection) -> list[list[str]]:
    """Groups of Order IDs that differ only in case (each group sorted, groups by first)."""
    rows = conn.execute(
        sa.text(
            "SELECT store_id_lc, store_id FROM orders WHERE store_id_lc IN ("
            " SELECT store_id_lc FROM orders GROUP BY store_id_lc HAVING count(*) > 1)"
        )
    ).all()
    groups: dict[str, list[str]] = {}
    for key, store_id in rows:
        groups.setdefault(key, []).append(store_id)
    # Sorted here: the database's collation of store_id may be its locale's.
    return sorted(sorted(group) for group in groups.values())


def describe(groups: list[list[str]]) -> str:
    shown = "; ".join(" = ".join(repr(s) for s in group) for group in groups[:10])
    more = f"; and {len(groups) - 10} more" if len(groups) > 10 else ""
    return (
        f"cannot make Order IDs unique regardless of case: {len(groups)} clash(es): "
        f"{shown}{more}. Rename all but one of each (orders.store_id and store_id_lc), "
        "then run `orderview db upgrade` again; nothing was changed"
    )


def upgrade() -> None:
    conn = op.get_bind()
    groups = clashes(conn)
    if groups:
        raise UpgradeRefused(describe(groups))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_store_id_lc"))
        batch_op.create_index(batch_op.f("ix_orders_store_id_lc"), ["store_id_lc"], unique=True)
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_email_lc", search_key(254), nullable=True))
    # One UPDATE with SQL's lower(), then Python's (what the services write) wherever they
    # differ: SQLite's lowers ASCII only, PostgreSQL's follows the database's locale.
    licenses = sa.table(
        "licenses",
        sa.column("id", sa.Integer),
        sa.column("user_email", sa.String),
        sa.column("user_email_lc", sa.String),
    )
    conn.execute(
        licenses.update()
        .where(licenses.c.user_email.is_not(None))
        .values(user_email_lc=sa.func.lower(licenses.c.user_email))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(licenses.c.id, licenses.c.user_email, licenses.c.user_email_lc)
            .where(licenses.c.user_email.is_not(None), licenses.c.id > last)
            .order_by(licenses.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        wrong = [{"row_id": i, "lowered": lc(e)} for i, e, low in rows if low != lc(e)]
        if wrong:
            conn.execute(
                licenses.update()
                .where(licenses.c.id == sa.bindparam("row_id"))
                .values(user_email_lc=sa.bindparam("lowered")),
                wrong,
            )
        last = rows[-1][0]
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licenses_user_email_lc"), ["user_email_lc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licenses_user_email_lc"))
        batch_op.drop_column("user_email_lc")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_store_id_lc"))
        batch_op.create_index(batch_op.f("ix_orders_store_id_lc"), ["store_id_lc"], unique=False)
