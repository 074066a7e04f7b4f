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
from orderview.services.errors import DatabaseUnavailable

HEAD = "0006_license_filters"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SchemaError(Exception):
    """A database this orderview cannot bring to ``HEAD``; ``str()`` is one line to show."""


class UpgradeRefused(SchemaError):
    """A migration found data it cannot carry over (e.g. Order IDs that differ only in case
    before they became unique): nothing was changed, the message says what to fix."""


class SchemaTooNew(SchemaError):
    """The database was upgraded by a newer orderview (a shared database after another desk
    upgraded): this version must not write to it, and cannot downgrade it."""

    def __init__(self, revision: str) -> None:
        super().__init__(
            f"the database schema is {revision!r}, newer than this orderview knows ({HEAD!r}); "
            "another desk upgraded it: upgrade orderview here too"
        )
        self.revision = revision


def known_revisions() -> set[str]:
    return {path.stem for path in (MIGRATIONS / "versions").glob("*.py")}


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
    """Run Alembic's upgrade on this database (creates the schema on an empty one). Raises
    ``SchemaTooNew`` for a revision this version does not know (Alembic's own error was a
    traceback)."""
    from alembic import command

    current = await current_revision(db)
    if current is not None and current not in known_revisions():
        raise SchemaTooNew(current)
    if db.read_only is not None:  # the real cause, not the driver's "readonly database"
        raise DatabaseUnavailable(
            f"the database needs an upgrade ({current or 'empty'} -> {HEAD}), but {db.read_only}"
        )

    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), revision))


async def ensure_schema(db: Database) -> bool:
    """Upgrade when needed. Returns True when a migration ran (``SchemaTooNew`` as in
    ``upgrade``)."""
    if await current_revision(db) == HEAD:
        return False
    await upgrade(db)
    return True
