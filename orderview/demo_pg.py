"""The demo's PostgreSQL fast path: binary ``COPY`` (asyncpg ``copy_records_to_table``).

The rows go in one transaction on the asyncpg connection under one of the engine's pooled
connections (so its JSON codecs, set by SQLAlchemy, are the ones ``COPY`` encodes with):
foreign keys, then primary keys, unique constraints and indexes of the demo's tables are dropped
(their definitions saved: ``pg_get_constraintdef``, ``pg_get_indexdef``), the rows copied, the
managers' passwords set, and the transaction committed; a failure up to there rolls all of it
back to the empty schema. Then ``demo_pg_rebuild`` puts the definitions back on two connections
at once (so the schema ends identical), moves the serial sequences past the ids the demo gave,
and analyses every table: building an index once from the whole table is several times cheaper
than keeping it up to date row by row, and checking a foreign key once by a join cheaper than a
trigger per row. A run interrupted during that rebuild leaves the rows without some of their
indexes and constraints; ``demo --force`` redoes it (the definitions wait in
``demo_pg_rebuild.PENDING``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from orderview.db.engine import Database
from orderview.demo_pg_rebuild import Definition, drop, rebuild, saved

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


class PostgresSink:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: AsyncConnection | None = None
        self.pg: Any = None
        self.definitions: list[Definition] = []

    async def start(self) -> None:
        self.conn = await self.db.engine.connect()
        raw = await self.conn.get_raw_connection()
        self.pg = raw.driver_connection
        pg = self.pg
        await pg.execute("BEGIN")
        await pg.execute("SET LOCAL synchronous_commit = off")
        await pg.execute("SET LOCAL maintenance_work_mem = '256MB'")
        self.definitions = await saved(pg, SEQUENCED)
        await drop(pg, self.definitions)

    async def write(self, batches: list[Batch]) -> None:
        for table, cols, rows in batches:
            await self.pg.copy_records_to_table(table, records=rows, columns=list(cols))

    async def set_passwords(self, rows: list[tuple[Any, ...]]) -> None:
        """Set in the load's transaction by one join (no primary key yet to find a person
        by: a hash join, never a scan of every manager per person)."""
        if not rows:
            return
        hashes, initial, ids = (list(column) for column in zip(*rows, strict=True))
        await self.pg.execute("SET LOCAL enable_nestloop = off")
        await self.pg.execute(
            "UPDATE license_managers AS m SET password_hash = v.h, is_initial_password = v.i "
            "FROM unnest($1::text[], $2::bool[], $3::int[]) AS v(h, i, id) WHERE m.id = v.id",
            hashes,
            initial,
            ids,
        )
        await self.pg.execute("SET LOCAL enable_nestloop = on")

    async def finish(self) -> None:
        pg = self.pg
        try:
            await pg.execute("COMMIT")
        finally:
            await self._close()
        sequences = [  # once the primary keys are back: MAX(id) reads one index entry
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            for table in SEQUENCED
        ]
        await rebuild(self.db, self.definitions, SEQUENCED, sequences)

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
