"""``orderview db upgrade``: bring the schema to the newest revision (Alembic) and say which.

Every command already upgrades an out-of-date database by itself; this one exists for scripts
and for PostgreSQL desks where an administrator upgrades once, before operators start.
"""

from __future__ import annotations

import argparse
import asyncio

from orderview.cli import exit_codes
from orderview.cli.context import (
    DB_ERRORS,
    CLIError,
    describe_db_error,
    print_warnings,
    settings_from_args,
)
from orderview.cli.marks import mark
from orderview.db.engine import DatabaseURLError, open_database
from orderview.db.migrate import HEAD, SchemaError, current_revision, upgrade


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    db = subparsers.add_parser("db", parents=[common], help="database maintenance")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = sub.add_parser(
        "upgrade", parents=[common], help="create or upgrade the schema to the newest revision"
    )
    up.set_defaults(handler=upgrade_cmd)


async def upgrade_cmd(args: argparse.Namespace, _ctx: None) -> int:
    settings = settings_from_args(args)
    try:
        db = open_database(settings.db)
    except DatabaseURLError as exc:
        raise CLIError(str(exc), 2) from None
    print_warnings(db)
    try:
        before = await asyncio.wait_for(current_revision(db), timeout=30)
        if before != HEAD:
            await asyncio.wait_for(upgrade(db), timeout=300)
        after = await current_revision(db)
    except SchemaError as exc:
        raise CLIError(
            f"cannot upgrade database {db.display}: {exc}", exit_codes.DB_UNAVAILABLE
        ) from None
    except DB_ERRORS as exc:
        raise CLIError(describe_db_error(exc, db), exit_codes.DB_UNAVAILABLE) from None
    finally:
        await db.dispose()
    if before == after:
        print(f"{db.display}: already at revision {after}")
    else:
        print(f"{db.display}: upgraded {before or '(empty)'} -> {after}")
    return 0


mark(upgrade_cmd, needs_context=False)  # it opens the database itself
mark(upgrade_cmd, creates_database=True)  # creates the schema
