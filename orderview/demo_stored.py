"""Demo values in the form the database driver receives, and the column order of demo rows.

The demo's fast paths hand plain tuples to the driver (sqlite3 ``executemany``, asyncpg
``COPY``), skipping SQLAlchemy's per-value processing. The values must still be exactly what
SQLAlchemy's column types would have sent, or a database made by the demo would read back
differently from one written through the services: so every conversion here *is* the type's own
bind processor (``UTCDateTime``, ``Date``, the JSON type), taken once per dialect and applied
once per distinct value (a line of licenses shares its dates), never re-implemented.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from orderview.db.models import (
    Customer,
    Device,
    License,
    LicenseManager,
    LicensePolicy,
    MailAttempt,
    MailOutbox,
    Order,
    OrderManager,
    Product,
)

# Licenses travel as a line's shared values plus each license's own. A key license has no
# user e-mail, a user license no key; columns NULL for a whole line are left out of its INSERT
# (they are NULL by default: fewer parameters to bind, the main cost of a 40-column row).
KEY_OWN = ("id", "license_key", "times_activated", "total_consumptions", "enabled", "note")
USER_OWN = (
    "id",
    "user_email",
    "user_email_lc",
    "times_activated",
    "total_consumptions",
    "enabled",
    "note",
)
LICENSE_OWN = ("id", "license_key", "user_email", "user_email_lc", *KEY_OWN[2:])
LICENSE_SHARED = tuple(c.name for c in License.__table__.c if c.name not in LICENSE_OWN)


# Tables whose demo rows leave ``id`` to the database (numbered in insert order, which is the
# same on both databases): how many rows a task makes is not known before it runs.
AUTO_ID = frozenset({"devices", "mail_attempts"})


def columns(table: Table) -> tuple[str, ...]:
    """The column order of a demo row of ``table``."""
    if table is License.__table__:
        return LICENSE_OWN + LICENSE_SHARED
    return tuple(c.name for c in table.c if not (c.name == "id" and table.name in AUTO_ID))


def dialect_named(name: str) -> Dialect:
    """A dialect object to take processors from (no connection needed)."""
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

        return SQLiteDialect_aiosqlite()
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    return PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    col = table.c[column]
    process = col.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


class Stored:
    """Converters to stored form for one dialect (picklable by name: worker processes
    rebuild it)."""

    def __init__(self, dialect_name: str) -> None:
        self.dialect_name = dialect_name
        dialect = dialect_named(dialect_name)
        self._dt = _processor(Order.__table__, "created_at", dialect)
        self._date = _processor(License.__table__, "validity_period", dialect)
        self._json = _processor(Order.__table__, "metadata", dialect)
        self.bool: Callable[[Any], Any] = int if dialect_name == "sqlite" else bool

    def __reduce__(self) -> tuple[Any, ...]:
        return (Stored, (self.dialect_name,))

    def dt(self, value: datetime | None) -> Any:
        return None if value is None else self._dt(value)

    def date(self, value: date | None) -> Any:
        return None if value is None else self._date(value)

    def json(self, value: Any) -> Any:
        """A JSON value; ``None`` stays SQL NULL (what leaving the column out of an INSERT
        gives), not the JSON text 'null'."""
        return None if value is None else self._json(value)


TABLES = {
    t.name: t
    for t in (
        Product.__table__,
        LicensePolicy.__table__,
        Customer.__table__,
        LicenseManager.__table__,
        Order.__table__,
        License.__table__,
        Device.__table__,
        OrderManager.__table__,
        MailOutbox.__table__,
        MailAttempt.__table__,
    )
}
