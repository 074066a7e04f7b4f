"""Whether a database is empty (the demo goes only into an empty one), and emptying it for
``--force``. The writing itself is ``demo_sqlite`` / ``demo_pg``."""

from __future__ import annotations

from sqlalchemy import func, select, text

from orderview.db.engine import Database
from orderview.db.models import Base, Customer, LicenseManager, Order, Product


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
