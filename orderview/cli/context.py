"""What every command needs: settings, the operator, and an upgraded database."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from orderview import logs
from orderview.cli import exit_codes
from orderview.cli.errors import CLIError
from orderview.db.engine import Database, DatabaseURLError, open_database
from orderview.db.migrate import SchemaError, ensure_schema
from orderview.identity import current_actor
from orderview.safetext import visible
from orderview.services.errors import DatabaseUnavailable
from orderview.settings import Settings, SettingsSourceError, load_settings

__all__ = ["CLIError", "Context", "open_context", "open_db", "print_warnings", "settings_from_args"]


@dataclass
class Context:
    settings: Settings
    operator: str
    db: Database


def settings_from_args(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(
            getattr(args, "config", None),
            db=getattr(args, "db", None),
            operator=getattr(args, "operator", None),
        )
    except (FileNotFoundError, SettingsSourceError) as exc:
        raise CLIError(str(exc), 2) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise CLIError(f"invalid setting {where}: {message}", 2) from None


def print_warnings(db: Database) -> None:
    """The database's warnings (a file readable by others), one stderr line each."""
    for line in db.warnings:
        print(f"orderview: warning: {visible(line)}", file=sys.stderr)


def describe_db_error(exc: BaseException, db: Database) -> str:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = detail[0] if detail else type(exc).__name__
    return f"cannot use database {db.display}: {reason}"


DB_ERRORS = (
    OSError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    socket.gaierror,
    asyncio.TimeoutError,
    DatabaseUnavailable,
)


def missing_sqlite_file(db: Database) -> str | None:
    """The path of a SQLite database file that does not exist (None for anything else)."""
    path = db.url.database if db.dialect == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path


async def open_db(settings: Settings, must_exist: bool = False) -> Database:
    """``must_exist``: commands that only read refuse a SQLite path that is not there (a typo
    would otherwise create an empty database and answer "no orders match")."""
    try:
        db = open_database(settings.db, settings.db_pool)
    except DatabaseURLError as exc:
        raise CLIError(str(exc), 2) from None
    except Exception as exc:  # e.g. missing driver for an exotic URL
        raise CLIError(f"cannot open database: {exc}", 2) from None
    missing = missing_sqlite_file(db) if must_exist else None
    if missing is not None:
        await db.dispose()
        raise CLIError(
            f"no database at {missing} (check --db or ORDERVIEW_DB; "
            "`orderview demo --db PATH` makes a demo one)",
            exit_codes.DB_UNAVAILABLE,
        )
    try:
        await asyncio.wait_for(ensure_schema(db), timeout=30)
    except SchemaError as exc:
        await db.dispose()
        raise CLIError(
            f"cannot use database {db.display}: {exc}", exit_codes.DB_UNAVAILABLE
        ) from None
    except DB_ERRORS as exc:
        await db.dispose()
        raise CLIError(describe_db_error(exc, db), exit_codes.DB_UNAVAILABLE) from None
    return db


async def open_context(args: argparse.Namespace, must_exist: bool = False) -> Context:
    settings = settings_from_args(args)
    logs.database(settings.db)
    db = await open_db(settings, must_exist)
    actor = current_actor(getattr(args, "operator", None), settings.operator, settings.role)
    return Context(settings, actor, db)
