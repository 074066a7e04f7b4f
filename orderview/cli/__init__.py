"""The command line: a stable contract that scripts and support tooling depend on.

Each command group lives in its own module with a ``register(parser, subparsers, common)``
function; ``COMMANDS`` maps every command name to its module (``COMMAND_MODULES`` lists them).
Handlers are ``async def handler(args, ctx) -> int``. User mistakes (no such order, unreachable
database, malformed URL) print one line, exit non-zero.

Start-up cost: a command imports only its own module (plus ``app_cmd``, whose options the
top-level parser takes), found by name in ``COMMANDS`` before argparse runs; ``--help`` on the
top level, an unknown command or an option this scan does not know builds the full parser
from every module, so help and argparse's messages stay exactly as they were.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from orderview import __version__, logs
from orderview.cli import exit_codes
from orderview.cli.errors import CLIError
from orderview.logs import LEVELS
from orderview.roles import Forbidden

if TYPE_CHECKING:
    from orderview.cli.context import Context

    # A command: ``handler(args, ctx)`` -> exit code (ctx is None for ``needs_context = False``).
    Handler = Callable[[argparse.Namespace, Any], Awaitable[int]]

APP_MODULE = "orderview.cli.app_cmd"
# Every command name and the module that registers it (a test checks it against the parser).
COMMANDS: dict[str, str] = {
    "open": APP_MODULE,
    "search": "orderview.cli.data_cmd",
    "show": "orderview.cli.data_cmd",
    "demo": "orderview.cli.demo_cmd",
    "db": "orderview.cli.db_cmd",
    "history": "orderview.cli.history_cmd",
    "export": "orderview.cli.export_cmd",
    "issue": "orderview.cli.issue_cmd",
    "order": "orderview.cli.issue_cmd",
    "outbox": "orderview.cli.outbox_cmd",
    "completion": "orderview.cli.completion_cmd",
    "license": "orderview.cli.license_cmd",
    "serve": "orderview.cli.serve_cmd",
    "products": "orderview.cli.products_cmd",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys((APP_MODULE, *COMMANDS.values())))
# Top-level options (``common_options`` and app_cmd's terminal options) and whether they take
# a value: what the scan for the command name steps over.
TOP_OPTIONS = {
    "--db": True,
    "--config": True,
    "--operator": True,
    "--colors": True,
    "--no-mouse": False,
    "--ascii": False,
    "--log-level": True,
    "--version": False,
}


class Parser(argparse.ArgumentParser):
    """argparse's own error lines quote what was typed: a database URL given in the wrong
    place must not print its password."""

    def error(self, message: str) -> NoReturn:
        from orderview.redact import mask_secrets

        super().error(mask_secrets(message))


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    sup = argparse.SUPPRESS
    common.add_argument(
        "--db",
        default=sup,
        metavar="DB",
        help="SQLite file path or SQLAlchemy URL (env ORDERVIEW_DB)",
    )
    common.add_argument("--config", default=sup, metavar="PATH", help="TOML settings file")
    common.add_argument(
        "--operator", default=sup, metavar="NAME", help="who is operating (audit trail)"
    )
    common.add_argument(
        "--log-level",
        default=sup,
        type=str.upper,
        choices=LEVELS,
        help="how much goes to the log file (env ORDERVIEW_LOG_LEVEL; default INFO)",
    )
    return common


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules the parser needs for ``argv``: app_cmd and the named command's
    module; every module when the scan is unsure (top-level help, an unknown command, an
    option it does not know, such as an abbreviation argparse would accept)."""
    args = iter(argv)
    for arg in args:
        if arg.startswith("-"):
            name, eq, _ = arg.partition("=")
            takes_value = TOP_OPTIONS.get(name)
            if takes_value is None or (eq and not takes_value):
                return COMMAND_MODULES
            if takes_value and not eq:
                next(args, None)
            continue
        module = COMMANDS.get(arg)
        return COMMAND_MODULES if module is None else tuple(dict.fromkeys((APP_MODULE, module)))
    return (APP_MODULE,)  # no command: the app


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    common = common_options()
    parser = Parser(
        prog="orderview",
        description="Look up orders in the licensing system and change them.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"orderview {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(name).register(parser, subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (``orderview.cli.exit_codes``). A crash is logged with
    its traceback and shown as one line naming the log file."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(modules_for(argv))
    args = parser.parse_args(argv)
    log_file = logs.setup(getattr(args, "log_level", None))
    logs.started(argv)
    try:
        code = _main(args)
    except Exception as exc:  # a bug: the log gets the traceback, the operator one line
        logs.crashed(exc)
        print(logs.crash_line(log_file), file=sys.stderr)
        code = exit_codes.CRASH
    logs.stopped(code)
    return code


def _main(args: argparse.Namespace) -> int:
    handler = getattr(args, "handler", None)
    if handler is None:  # no command: open the app on the orders screen
        from orderview.cli.app_cmd import run_app

        handler = run_app
    try:
        return asyncio.run(_run(handler, args))
    except CLIError as exc:
        from orderview.safetext import visible  # a message may quote a setting or argument

        print(f"orderview: error: {visible(str(exc))}", file=sys.stderr)
        logs.log.warning("refused (exit %d): %s", exc.exit_code, logs.flat(exc))
        return exc.exit_code
    except Forbidden as exc:  # the actor's role does not allow it (checked by the service)
        print(f"orderview: error: {exc}", file=sys.stderr)
        logs.log.warning("forbidden: %s", logs.flat(exc))
        return exit_codes.FORBIDDEN
    except KeyboardInterrupt:
        return exit_codes.INTERRUPT
    except BrokenPipeError:  # `orderview show X | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_codes.BROKEN_PIPE


def creates_database(handler: object) -> bool:
    """The one rule for a SQLite ``--db`` path that is not there: only the commands that make
    data create the file (``demo``, ``order create``, ``db upgrade`` and the app itself, each
    marked ``creates_database``); every other command refuses it in one line, since a typo
    would otherwise create an empty database and answer "no orders match" (README)."""
    return getattr(handler, "creates_database", False) is True


async def _run(handler: Handler, args: argparse.Namespace) -> int:
    if getattr(handler, "needs_context", True) is False:
        return await handler(args, None)
    return await with_context(handler, args, must_exist=not creates_database(handler))


async def with_context(handler: Handler, args: argparse.Namespace, must_exist: bool = False) -> int:
    """Run ``handler(args, ctx)`` with settings, operator and an upgraded database
    (``must_exist``: refuse a SQLite file that is not there, see ``creates_database``)."""
    from orderview.cli.context import open_context, print_warnings
    from orderview.services.errors import DatabaseUnavailable, ServiceError

    ctx: Context = await open_context(args, must_exist)
    if not getattr(handler, "in_app", False):  # the app shows them on its screen
        print_warnings(ctx.db)
    try:
        return await handler(args, ctx)
    except DatabaseUnavailable as exc:  # the server went away or the file is read-only/locked
        raise CLIError(f"database {ctx.db.display}: {exc}", exit_codes.DB_UNAVAILABLE) from None
    except ServiceError as exc:  # not found, conflict …: the service's own one line
        from orderview.safetext import visible

        raise CLIError(visible(str(exc)), exit_codes.for_service_error(exc)) from None
    finally:
        await ctx.db.dispose()


def __getattr__(name: str) -> Any:
    """``Context`` stays importable from here without importing the data layer up front."""
    if name == "Context":
        from orderview.cli.context import Context

        return Context
    raise AttributeError(name)


__all__ = ["CLIError", "Context", "build_parser", "main"]
