"""The Alembic migrations produce exactly the ORM models' schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orderview.db.migrate import HEAD, current_revision
from orderview.db.models import Base


async def test_migrated_schema_matches_models(db) -> None:
    assert await current_revision(db) == HEAD

    def compare(sync_conn) -> list:  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with db.engine.connect() as conn:
        diff = await conn.run_sync(compare)
    assert diff == []
