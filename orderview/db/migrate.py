"""Alembic migrations, run programmatically; the app upgrades an out-of-date database itself.

The fast path reads ``alembic_version`` and compares it with ``HEAD`` without importing
Alembic, so a start on an up-to-date database costs one query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from orderview.db.engine import Database

HEAD = "0001_initial"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        try:
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except DBAPIError:
            await conn.rollback()
            return None
        return row[0] if row else None


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    """Run Alembic's upgrade on this database (creates the schema on an empty one)."""
    from alembic import command

    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), revision))


async def ensure_schema(db: Database) -> bool:
    """Upgrade when needed. Returns True when a migration ran."""
    if await current_revision(db) == HEAD:
        return False
    await upgrade(db)
    return True
