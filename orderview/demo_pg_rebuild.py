"""Rebuilding the demo's indexes and constraints on PostgreSQL, on several connections at once.

After ``COPY`` has committed the rows (``demo_pg``), the saved definitions are put back in three
steps, each spread over ``CONNECTIONS`` connections of the engine (each job in a transaction of
its own, committed as soon as it is done, so no lock outlives its job):

1. every index, the ones behind primary keys and unique constraints included (``CREATE INDEX``
   takes a SHARE lock, which does not conflict with itself: two builds on the same table run
   side by side), largest table first so the long builds do not end up last on one connection;
2. on one connection, in one transaction: the primary keys and unique constraints attached to
   their indexes (``ADD CONSTRAINT … USING INDEX``, no scan) and the foreign keys added
   ``NOT VALID`` (no check yet): catalogue changes only, a few milliseconds; then the serial
   sequences moved past the demo's ids (``after_keys``: ``MAX(id)`` reads the new key);
3. per table, its foreign keys validated (``VALIDATE CONSTRAINT``: SHARE UPDATE EXCLUSIVE on the
   table, ROW SHARE on the one it references, so tables validate side by side) and ``ANALYZE``.

The schema ends as the migrated one: the same ``pg_indexes.indexdef`` and
``pg_get_constraintdef``, every foreign key validated (``convalidated``). Until step 3 is done the
tables lack some of their indexes; the definitions stay in ``PENDING`` (written in the load's
transaction) until then, so an interrupted run is redone by ``demo --force``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orderview.db.engine import Database

CONNECTIONS = 2  # one per core of the machine this was measured on (docs/benchmarks.md)
PENDING = "orderview_demo_rebuild"  # definitions still to rebuild (an interrupted demo)
# No parallel workers per build: the connections already keep the cores busy, and a million
# orders rebuilt in 51 s with PostgreSQL's default of 2 workers a build against 39-41 s without.
SESSION = (
    "SET LOCAL synchronous_commit = off",
    "SET LOCAL maintenance_work_mem = '256MB'",
    "SET LOCAL max_parallel_maintenance_workers = 0",
)


@dataclass(frozen=True)
class Definition:
    """An index (``contype`` ''), or a primary key ('p'), unique ('u') or foreign key ('f')
    constraint; ``index`` is the ``CREATE INDEX`` behind a primary key or unique constraint."""

    table: str
    name: str
    definition: str
    contype: str
    index: str = ""

    def row(self) -> tuple[str, str, str, str, str]:
        return (self.table, self.name, self.definition, self.contype, self.index)


_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype::text,
       COALESCE(pg_get_indexdef(NULLIF(c.conindid, 0)), '')
FROM pg_constraint c
WHERE c.connamespace = current_schema()::regnamespace
  AND c.contype IN ('f', 'p', 'u') AND c.conrelid::regclass::text = ANY($1::text[])
ORDER BY c.contype = 'f' DESC, c.conname
"""
_INDEXES = """
SELECT i.tablename::text, i.indexname::text, i.indexdef, '', '' FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_constraint c
    WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass
      AND c.contype IN ('p', 'u', 'x')
  )
ORDER BY i.indexname
"""


async def saved(pg: Any, tables: Sequence[str]) -> list[Definition]:
    """The definitions to rebuild: what an interrupted demo left in ``PENDING``, and what
    else the catalogue holds now (foreign keys first, then keys, then indexes)."""
    rows = []
    if await pg.fetchval("SELECT to_regclass($1) IS NOT NULL", PENDING):
        # first: the interrupted run's index pk_x may exist without its constraint yet
        rows += [tuple(r) for r in await pg.fetch(f'SELECT * FROM "{PENDING}"')]
    rows += [tuple(r) for r in await pg.fetch(_CONSTRAINTS, list(tables))]
    rows += [tuple(r) for r in await pg.fetch(_INDEXES, list(tables))]
    found: dict[str, Definition] = {}
    for row in rows:
        found.setdefault(row[1], Definition(*row))
    order = {"f": 0, "p": 1, "u": 1, "": 2}
    return sorted(found.values(), key=lambda d: (order[d.contype], d.name))


async def drop(pg: Any, definitions: Sequence[Definition]) -> None:
    """Drop what exists of ``definitions`` (foreign keys first) and keep them in ``PENDING``
    (in the caller's transaction)."""
    for d in definitions:
        if d.contype:
            await pg.execute(f'ALTER TABLE "{d.table}" DROP CONSTRAINT IF EXISTS "{d.name}"')
        if d.contype != "f":  # an interrupted run's key index may be there without its key
            await pg.execute(f'DROP INDEX IF EXISTS "{d.name}"')
    await pg.execute(f'DROP TABLE IF EXISTS "{PENDING}"')
    await pg.execute(
        f'CREATE TABLE "{PENDING}" (tbl text, name text, definition text, contype text, index text)'
    )
    await pg.executemany(
        f'INSERT INTO "{PENDING}" VALUES ($1, $2, $3, $4, $5)', [d.row() for d in definitions]
    )


Job = Callable[[Any], Awaitable[None]]


async def _statement(pg: Any, *sql: str) -> None:
    """``sql`` in one transaction. On a failure the transaction is left open: ``rebuild``
    then drops the connection, which rolls it back (a ``ROLLBACK`` here could meet a statement
    still being cancelled)."""
    await pg.execute("BEGIN")
    for line in (*SESSION, *sql):
        await pg.execute(line)
    await pg.execute("COMMIT")


async def _run(connections: Sequence[Any], jobs: Sequence[Job]) -> None:
    """Each job once, on whichever connection is free, in the order given."""
    queue = list(reversed(jobs))

    async def worker(pg: Any) -> None:
        while queue:
            await queue.pop()(pg)

    tasks = [asyncio.ensure_future(worker(pg)) for pg in connections]
    try:
        await asyncio.gather(*tasks)
    finally:  # one failed (or this was cancelled): stop the others' statements too
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _sql_job(*sql: str) -> Job:
    async def job(pg: Any) -> None:
        await _statement(pg, *sql)

    return job


async def rebuild(
    db: Database,
    definitions: Sequence[Definition],
    tables: Sequence[str],
    after_keys: Sequence[str] = (),
) -> None:
    """Build ``definitions`` back over the committed rows (``after_keys`` run once the keys
    are attached) and ``ANALYZE`` ``tables``; then forget ``PENDING``."""
    conns = [await db.engine.connect() for _ in range(CONNECTIONS)]
    done = False
    try:
        pgs: list[Any] = [(await c.get_raw_connection()).driver_connection for c in conns]
        first = pgs[0]
        size = {t: await first.fetchval("SELECT pg_relation_size($1::regclass)", t) for t in tables}
        largest = sorted(definitions, key=lambda d: -size.get(d.table, 0))
        await _run(
            pgs,
            [_sql_job(d.index or d.definition) for d in largest if d.contype in ("", "p", "u")],
        )
        attach = [
            f'ALTER TABLE "{d.table}" ADD CONSTRAINT "{d.name}" '
            + ("PRIMARY KEY" if d.contype == "p" else "UNIQUE")
            + f' USING INDEX "{d.name}"'
            for d in definitions
            if d.contype in ("p", "u")
        ]
        foreign = [d for d in definitions if d.contype == "f"]
        attach += [
            f'ALTER TABLE "{d.table}" ADD CONSTRAINT "{d.name}" {d.definition} NOT VALID'
            for d in foreign
        ]
        await _statement(first, *attach, *after_keys)
        checks = [
            _sql_job(
                *(
                    f'ALTER TABLE "{t}" VALIDATE CONSTRAINT "{d.name}"'
                    for d in foreign
                    if d.table == t
                ),
                f'ANALYZE "{t}"',
            )
            for t in sorted(tables, key=lambda t: -size[t])
        ]
        await _run(pgs, checks)
        await first.execute(f'DROP TABLE IF EXISTS "{PENDING}"')
        done = True
    finally:
        for c in conns:  # after a failure, not back to the pool: mid-transaction, maybe cancelled
            await (c.close() if done else c.invalidate())
