"""The demo's PostgreSQL fast path: binary ``COPY`` (asyncpg ``copy_records_to_table``).

Everything happens in one transaction on the asyncpg connection under one of the engine's
pooled connections (so its JSON codecs, set by SQLAlchemy, are the ones ``COPY`` encodes with):
foreign keys, then primary keys, unique constraints and indexes of the demo's tables are dropped,
the rows copied, and all of it recreated from the definitions saved before
(``pg_get_constraintdef`` and ``pg_indexes.indexdef``, so the schema ends identical): building an
index once from the whole table is several times cheaper than keeping it up to date row by row,
and checking a foreign key once by a join cheaper than a trigger per row. A failure rolls all of
it back to the empty schema. After the commit, the serial sequences are moved past the ids the
demo gave, and ``ANALYZE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from orderview.db.engine import Database

Batch = tuple[str, tuple[str, ...], Iterable[tuple[Any, ...]]]
SEQUENCED = (
    "products",
    "license_policies",
    "customers",
    "license_managers",
    "orders",
    "licenses",
    "devices",
    "order_managers",
    "mail_outbox",
    "mail_attempts",
)

_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype::text
FROM pg_constraint c
WHERE c.connamespace = current_schema()::regnamespace
  AND c.contype IN ('f', 'p', 'u') AND c.conrelid::regclass::text = ANY($1::text[])
ORDER BY c.contype = 'f' DESC, c.conname
"""
_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_constraint c
    WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass
  )
ORDER BY i.indexname
"""


class PostgresSink:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: AsyncConnection | None = None
        self.pg: Any = None
        self.constraints: list[tuple[str, str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []
        self.passwords: list[tuple[Any, ...]] = []

    async def start(self) -> None:
        self.conn = await self.db.engine.connect()
        raw = await self.conn.get_raw_connection()
        self.pg = raw.driver_connection
        pg = self.pg
        await pg.execute("BEGIN")
        await pg.execute("SET LOCAL synchronous_commit = off")
        await pg.execute("SET LOCAL maintenance_work_mem = '256MB'")
        tables = list(SEQUENCED)
        self.constraints = [tuple(r) for r in await pg.fetch(_CONSTRAINTS, tables)]
        self.indexes = [tuple(r) for r in await pg.fetch(_INDEXES, tables)]
        for name, _ in self.indexes:
            await pg.execute(f'DROP INDEX "{name}"')
        for table, name, _, _ in self.constraints:  # foreign keys first
            await pg.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    async def write(self, batches: list[Batch]) -> None:
        for table, cols, rows in batches:
            await self.pg.copy_records_to_table(table, records=rows, columns=list(cols))

    async def set_passwords(self, rows: list[tuple[Any, ...]]) -> None:
        """Kept for ``finish``: the UPDATE finds each person by primary key, which is only
        back once the keys are rebuilt (without it, a scan of every manager per person)."""
        self.passwords = rows

    async def finish(self) -> None:
        pg = self.pg
        try:
            keys = [c for c in self.constraints if c[3] != "f"]
            foreign = [c for c in self.constraints if c[3] == "f"]
            for table, name, definition, _ in keys:
                await pg.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            if self.passwords:
                await pg.executemany(
                    "UPDATE license_managers SET password_hash = $1, is_initial_password = $2 "
                    "WHERE id = $3",
                    self.passwords,
                )
            for _, definition in self.indexes:
                await pg.execute(definition)
            for table, name, definition, _ in foreign:
                await pg.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            await pg.execute("COMMIT")
            for table in SEQUENCED:
                await pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
                )
            await pg.execute("ANALYZE")
        finally:
            await self._close()

    async def abort(self) -> None:
        try:
            if self.pg is not None and self.pg.is_in_transaction():
                await self.pg.execute("ROLLBACK")
        finally:
            await self._close()

    async def _close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
            self.pg = None
