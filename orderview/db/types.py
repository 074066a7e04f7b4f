"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Always timezone-aware UTC in Python; SQLite stores it naive, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; orderview stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def search_key(length: int = 255) -> String:
    """A lower-cased copy of a field for prefix search by index range.

    Byte-order collation ("C") on PostgreSQL so ``>= p AND < p + U+FFFF`` is exactly "starts
    with p" whatever the database's locale; SQLite's default BINARY collation already is.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class _JSON(TypeDecorator[Any]):
    """JSON, stored as ``JSONB`` on PostgreSQL. Resolved per dialect when first used, so a
    SQLite start never imports the PostgreSQL dialect (≈6 % of a command's start-up:
    docs/benchmarks.md); the same types as ``JSON().with_variant(JSONB(), "postgresql")``."""

    impl = JSON
    cache_ok = True
    # As ``JSON()`` has it (a TypeDecorator does not take it from ``impl``): without it an ORM
    # insert stored an unset JSON column as the text 'null', the issuing fast path as NULL.
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = _JSON()


def utcnow() -> datetime:
    return datetime.now(UTC)
