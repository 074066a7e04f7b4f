"""Export one order to CSV: the order, its customer and its licenses, streamed from the database.

Why it is shaped this way:
- Columns follow the platform's license-import headers (shared/domain.md, Export) so an export
  can be re-imported, with the user email and durations at the end. One row per license, order
  and customer columns repeated; an order without licenses still gives one row. The columns,
  value forms are ``orderview.export_values``.
- Spreadsheets run cells whose first visible character is ``= + - @`` (and TAB/CR tricks),
  also behind spaces, line feeds, NUL or zero-width characters; such cells get a leading ``'``,
  as do cells of ``'``s before such a formula so ``read_back`` is exact
  (``orderview.csv_formula``, one rule for both paths). Every other value is written exactly.
- License keys are secrets: the file is written all or nothing, 0600, and only ever replaces a
  regular file (``orderview.export_file``).
- Licenses are read in pages from one statement inside one read transaction (a consistent
  snapshot), so memory stays flat for 100,000 licenses and the event loop gets a turn per page.
  The database builds each license's cells as finished CSV text (``orderview.export_sql``);
  the Python formatter (``export_values.license_cells``) is the reference it is tested
  against, and ``cell`` is what the order and customer cells go through.
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from orderview import export_file, export_sql
from orderview.db import faults
from orderview.db.engine import Database
from orderview.db.models import Customer, License, Order, Product
from orderview.export_file import (
    ExportError,
    ExportFileExists,
    describe_os_error,
    resolve_target,
)
from orderview.export_values import (
    COLUMNS,
    DANGEROUS_PREFIXES,
    RAW_LICENSE_COLUMNS,
    cell,
    csv_prefix,
    format_value,
    license_cells,
    neutralise,
    read_back,
)
from orderview.roles import require
from orderview.services.errors import DatabaseUnavailable, NotFound, ServiceError

PAGE_SIZE = 5000

Progress = Callable[[int, int], None]
"""Called after each page with (rows written, rows expected); the caller throttles display."""


class TextSink(Protocol):
    """Where a CSV is written: an open text file, or standard output's bytes (the command
    line's ``_Utf8Stdout``)."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def throttled(progress: Progress, interval: float = 0.25) -> Progress:
    """Pass at most one update per ``interval`` seconds on, plus always the final one: a
    status line over a slow link should not repaint for every page."""
    last = -interval

    def update(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done >= total or now - last >= interval:
            last = now
            progress(done, total)

    return update


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path | None  # None when written to a stream
    rows: int  # data rows, header excluded


# --- values ------------------------------------------------------------------------------


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def default_filename(store_id: str, today: date | None = None) -> str:
    """``order-<Order ID>-<UTC date>.csv`` with the Order ID made safe as a file name."""
    today = today or datetime.now(UTC).date()
    safe = _UNSAFE_FILENAME.sub("_", store_id).strip("._-")[:80] or "order"
    return f"order-{safe}-{today.isoformat()}.csv"


# --- reading -----------------------------------------------------------------------------


async def _order_cells(conn: AsyncConnection, order_id: int) -> tuple[list[str], int]:
    """The 19 order and customer cells (same on every row) and the license count."""
    row = (
        await conn.execute(
            select(
                Order.store_id,
                Order.reference,
                Order.order_type,
                Order.is_test,
                Order.is_trial,
                Order.download_id,
                Order.language,
                Order.campaign_params,
                Customer.email,
                Customer.first_name,
                Customer.last_name,
                Customer.company_name,
                Customer.phone,
                Customer.reference,
                Customer.address,
                Customer.city,
                Customer.state,
                Customer.postcode,
                Customer.country,
            )
            .outerjoin(Customer, Customer.id == Order.customer_id)
            .where(Order.id == order_id)
        )
    ).first()
    if row is None:
        raise NotFound("no such order (it may have been deleted)")
    count = await conn.scalar(select(func.count(License.id)).where(License.order_id == order_id))
    return [cell(v) for v in row], count or 0


@asynccontextmanager
async def _snapshot_connection(db: Database) -> AsyncIterator[AsyncConnection]:
    async with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            # One snapshot for the whole export, so pages agree with the count and each other.
            await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            yield conn


async def iter_pages(
    db: Database, order_id: int, page_size: int | None = None
) -> AsyncGenerator[tuple[str, int, int], None]:
    """Yield (csv_text, rows, total) per page: formatted, neutralised data rows (no header)
    as CSV text with ``\r\n`` line ends.

    ``total`` is the number of data rows the export will have (at least 1). Each page is one
    string: the database gives each license's 18 cells as one finished CSV fragment
    (``orderview.export_sql``), and the order and customer cells, the same on every row, are
    rendered once here and joined in front of each line.
    """
    size = page_size or PAGE_SIZE
    today = datetime.now(UTC).date()
    async with _snapshot_connection(db) as conn:
        prefix, count = await _order_cells(conn, order_id)
        total = max(count, 1)
        if count == 0:
            yield csv_prefix(prefix + [""] * (len(COLUMNS) - len(prefix) - 1)) + "\r\n", 1, total
            return
        head = csv_prefix(prefix)
        join = "\r\n" + head
        async with aclosing(_license_lines(conn, order_id, today, size)) as pages:
            async for lines in pages:
                yield head + join.join(lines) + "\r\n", len(lines), total


async def _license_lines(
    conn: AsyncConnection, order_id: int, today: date, size: int
) -> AsyncGenerator[list[str], None]:
    """The order's license lines (``export_sql.license_lines``) in lists of ``size``, read on
    the snapshot connection's driver connection: no SQLAlchemy result processing per row.

    On SQLite the next page is asked for before this one is handed on, so SQLite builds it in
    the driver's thread (the GIL is released while it steps) while the caller writes.
    """
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    sql = export_sql.license_lines(conn.dialect.name)
    try:
        if conn.dialect.name == "sqlite":
            cursor = await driver.execute(sql, (today.isoformat(), order_id))
            pending: asyncio.Future[Any] | None = asyncio.ensure_future(cursor.fetchmany(size))
            try:
                while pending is not None:
                    rows = await pending
                    pending = (
                        asyncio.ensure_future(cursor.fetchmany(size)) if len(rows) == size else None
                    )
                    if rows:
                        yield [row[0] for row in rows]
            finally:
                if pending is not None:  # closed early: let the read in flight finish first
                    await asyncio.wait([pending])
                    if not pending.cancelled():
                        pending.exception()  # retrieved, so it is not logged as lost
                await cursor.close()
        else:
            cursor = await driver.cursor(sql, today, order_id)
            while True:
                rows = await cursor.fetch(size)
                if rows:
                    yield [row[0] for row in rows]
                if len(rows) < size:
                    return
    except Exception as exc:
        raise _driver_fault(conn, sql, exc) from exc


def _driver_fault(conn: AsyncConnection, sql: str, exc: Exception) -> Exception:
    """A driver's own exception as the engine would have raised it: ``DatabaseUnavailable``
    with its one line for environmental faults (``orderview.db.faults``), else the
    SQLAlchemy ``DBAPIError``; anything not from the driver stays as it is."""
    if isinstance(exc, DBAPIError | ServiceError):
        return exc
    base = getattr(conn.dialect.loaded_dbapi, "Error", Exception)
    lost = isinstance(exc, OSError | ConnectionError) or type(exc).__module__.startswith("asyncpg")
    if not (isinstance(exc, base) or lost):
        return exc
    wrapped = DBAPIError.instance(
        sql, None, exc, Exception, connection_invalidated=isinstance(exc, OSError | ConnectionError)
    )
    message = faults.describe(wrapped)
    return DatabaseUnavailable(message) if message is not None else wrapped


async def _reference_pages(
    db: Database, order_id: int, page_size: int | None = None
) -> AsyncIterator[tuple[str, int, int]]:
    """``iter_pages`` done by the Python formatter (keyset pages of the driver's values through
    ``license_cells`` and ``csv.writer``): the reference the database-built text is tested
    against (tests/test_export_fast.py)."""
    size = page_size or PAGE_SIZE
    today = datetime.now(UTC).date()
    lines: list[str] = []
    writer = csv.writer(_Collector(lines), lineterminator="\r\n")
    async with _snapshot_connection(db) as conn:
        prefix, count = await _order_cells(conn, order_id)
        total = max(count, 1)
        if count == 0:
            writer.writerow(prefix + [""] * (len(COLUMNS) - len(prefix)))
            yield "".join(lines), 1, total
            return
        head = csv_prefix(prefix)
        after = 0
        while True:
            rows = await conn.run_sync(
                _driver_rows,
                select(*RAW_LICENSE_COLUMNS)
                .join(Product, Product.id == License.product_id)
                .where(License.order_id == order_id, License.id > after)
                .order_by(License.id)
                .limit(size),
            )
            if not rows:
                return
            after = rows[-1][0]
            lines.clear()
            writer.writerows(license_cells(rows, today))
            yield head + head.join(lines), len(rows), total
            if len(rows) < size:
                return


def _driver_rows(conn: Connection, query: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The driver's own row tuples, without building a SQLAlchemy ``Row`` for each one."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


class _Collector:
    """A csv.writer target that keeps each written line (``write`` is ``list.append``)."""

    __slots__ = ("write",)

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


# --- writing -----------------------------------------------------------------------------


async def write_csv(
    db: Database,
    order_id: int,
    stream: TextSink,
    progress: Progress | None = None,
    page_size: int | None = None,
) -> int:
    """Write the header and every row to a text stream opened with ``newline=""``.

    Returns the number of data rows written.
    """
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    done = 0
    # aclosing: a failed write (disk full) releases the read transaction at once, not at GC.
    async with aclosing(iter_pages(db, order_id, page_size)) as pages:
        async for text, rows, total in pages:
            stream.write(text)
            done += rows
            if progress is not None:
                progress(done, total)
    return done


async def export_to_stream(
    db: Database,
    order_id: int,
    stream: TextSink,
    progress: Progress | None = None,
    *,
    actor: str,
) -> ExportResult:
    """Standard output and other already-open streams (no file safety applies). An export
    holds the license keys: the actor's role must allow exporting (``Forbidden``)."""
    require(actor, "export")
    rows = await write_csv(db, order_id, stream, progress)
    stream.flush()
    return ExportResult(None, rows)


async def export_to_file(
    db: Database,
    order_id: int,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    page_size: int | None = None,
    actor: str,
) -> ExportResult:
    """Write the order's CSV to ``path`` (mode 0600), all or nothing (``export_file``), if the
    actor's role allows exporting (``Forbidden`` before anything is read or written).

    Raises ``ExportFileExists`` if the file exists and ``overwrite`` is false, ``ExportError``
    for any file-system failure or a target that is not a regular file, ``NotFound`` if the
    order is gone.
    """
    require(actor, "export")

    async def fill(stream: IO[str]) -> int:
        return await write_csv(db, order_id, stream, progress, page_size)

    target, rows = await export_file.write_new_file(path, fill, overwrite=overwrite)
    return ExportResult(target, rows)


__all__: Sequence[str] = (
    "COLUMNS",
    "DANGEROUS_PREFIXES",
    "ExportError",
    "ExportFileExists",
    "ExportResult",
    "cell",
    "default_filename",
    "describe_os_error",
    "export_to_file",
    "export_to_stream",
    "format_value",
    "iter_pages",
    "neutralise",
    "read_back",
    "resolve_target",
    "throttled",
    "write_csv",
)
