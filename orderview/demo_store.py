"""Writing demo rows fast (Core executemany in batches), and emptying a database for ``--force``.

Split from ``orderview.demo`` (which builds the rows) along the seam between what the data is
and how it reaches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderview.db.engine import Database
from orderview.db.models import Base, Customer, LicenseManager, Order, Product

ROWS_PER_INSERT = 20_000  # rows per executemany call


async def insert_rows(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany in batches; rows with and without optional keys go in separate batches."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    for group in groups.values():
        for start in range(0, len(group), ROWS_PER_INSERT):
            await conn.execute(insert(table), group[start : start + ROWS_PER_INSERT])


async def database_is_empty(db: Database) -> bool:
    async with db.engine.connect() as conn:
        for model in (Order, Customer, Product, LicenseManager):
            if await conn.scalar(select(func.count()).select_from(model.__table__)):
                return False
    return True


async def wipe(db: Database) -> None:
    """Delete every row of every table (the schema and its revision stay)."""
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())


async def set_passwords(db: Database, rows: list[dict[str, Any]]) -> None:
    """Who an invite reached holds a password (and may have signed in): set after the mail."""
    table = LicenseManager.__table__
    if rows:
        async with db.engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == bindparam("person_id"))
                .values(password_hash=bindparam("hash"), is_initial_password=bindparam("initial")),
                rows,
            )


async def fix_sequences(conn: AsyncConnection, tables: Iterable[Table]) -> None:
    """Explicit ids leave PostgreSQL's serial sequences behind; move them past the max id."""
    for table in tables:
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
