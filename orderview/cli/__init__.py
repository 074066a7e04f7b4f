"""The command line: a stable contract that scripts and support tooling depend on.

Each command group lives in its own module with a ``register(subparsers, common)`` function;
``COMMAND_MODULES`` lists them. Handlers are ``async def handler(args, ctx) -> int``.
User mistakes (no such order, unreachable database, malformed URL) print one line, exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence

from orderview.cli.context import CLIError, Context, open_context
from orderview.services.errors import DatabaseUnavailable

COMMAND_MODULES: tuple[str, ...] = (
    "orderview.cli.app_cmd",
    "orderview.cli.data_cmd",
    "orderview.cli.demo_cmd",
    "orderview.cli.db_cmd",
    "orderview.cli.history_cmd",
    "orderview.cli.export_cmd",
    "orderview.cli.issue_cmd",
    "orderview.cli.outbox_cmd",
)


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    sup = argparse.SUPPRESS
    common.add_argument("--db", default=sup, metavar="DB",
                        help="SQLite file path or SQLAlchemy URL (env ORDERVIEW_DB)")
    common.add_argument("--config", default=sup, metavar="PATH", help="TOML settings file")
    common.add_argument("--operator", default=sup, metavar="NAME",
                        help="who is operating (audit trail)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="orderview",
        description="Look up orders in the licensing system and change them.",
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(parser, subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:  # no command: open the app on the orders screen
        from orderview.cli.app_cmd import run_app

        handler = run_app
    try:
        return asyncio.run(_run(handler, args))
    except CLIError as exc:
        print(f"orderview: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `orderview show X | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


async def _run(handler, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    if getattr(handler, "needs_context", True) is False:
        return await handler(args, None)
    ctx: Context = await open_context(args, getattr(handler, "reads_existing", False))
    try:
        return await handler(args, ctx)
    except DatabaseUnavailable as exc:  # the server went away or the file is read-only/locked
        raise CLIError(f"database {ctx.db.display}: {exc}") from None
    finally:
        await ctx.db.dispose()


__all__ = ["main", "build_parser", "CLIError", "Context"]
