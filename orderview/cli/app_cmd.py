"""`orderview` (no command) and `orderview open ORDER_ID`: the interactive app.

Textual is imported here lazily, only when the app actually starts, so the other commands and
the core stay free of it. One start: settings validated, database opened and checked, then the
app (docs/architecture.md, "Start-up", says why there is no second, lighter one).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from orderview.cli import exit_codes
from orderview.cli.errors import CLIError
from orderview.cli.marks import mark
from orderview.safetext import visible

if TYPE_CHECKING:
    from orderview.cli.context import Context
    from orderview.settings import Settings

COLOR_SYSTEMS = {"16": "standard", "256": "256", "truecolor": "truecolor"}


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser.set_defaults(handler=run_app)
    _terminal_options(parser)
    open_cmd = subparsers.add_parser(
        "open",
        parents=[common],
        help="open the app on one order (or license)",
        description="Open the app straight on an order's screen (esc goes to the orders list), "
        "or with --license on a license's screen over its order.",
    )
    open_cmd.add_argument(
        "order_id", metavar="ORDER_ID", nargs="?", help="the order's Order ID (store_id)"
    )
    open_cmd.add_argument(
        "--license", metavar="KEY", dest="license_key", help="open this license (a license key)"
    )
    open_cmd.set_defaults(handler=run_open)
    _terminal_options(open_cmd)


def _terminal_options(parser: argparse.ArgumentParser) -> None:
    sup = argparse.SUPPRESS
    parser.add_argument(
        "--colors",
        choices=("16", "256", "truecolor"),
        default=sup,
        help="colour depth (setting `colors`; default: what the terminal says)",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        default=sup,
        help="no mouse reporting at all (setting `mouse`)",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        default=sup,
        help="draw with plain ASCII only (setting `ascii`; default: when the locale is not UTF-8)",
    )


def _apply_flags(args: argparse.Namespace, settings: Settings) -> Settings:
    """Command-line flags win over the settings file and the environment."""
    update: dict[str, object] = {}
    if getattr(args, "colors", None):
        update["colors"] = args.colors
    if getattr(args, "no_mouse", False):
        update["mouse"] = False
    if getattr(args, "ascii", False):
        update["ascii"] = True
    return settings.model_copy(update=update) if update else settings


def _terminal_env(settings: Settings) -> None:
    """Colour depth must be chosen before Textual is imported (it reads the environment)."""
    if settings.colors in COLOR_SYSTEMS:
        os.environ["TEXTUAL_COLOR_SYSTEM"] = COLOR_SYSTEMS[settings.colors]
    if not settings.animations:
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    import sys

    if "textual.constants" in sys.modules:  # imported ahead (an ``orderview serve`` session)
        import importlib

        importlib.reload(sys.modules["textual.constants"])


async def run_app(
    args: argparse.Namespace,
    ctx: Context,
    open_store_id: str | None = None,
    open_license: int | None = None,
) -> int:
    refuse_dumb_terminal()
    settings = _apply_flags(args, ctx.settings)
    _terminal_env(settings)
    from orderview.app import OrderviewApp

    app = OrderviewApp(
        ctx.db, settings, ctx.operator, open_store_id=open_store_id, open_license=open_license
    )
    app.config_file = config_file(args)
    await app.run_async(mouse=settings.mouse)
    if app.crash is not None:
        raise app.crash
    return app.return_code or 0


mark(run_app, in_app=True)  # database warnings go on its screen
mark(run_app, creates_database=True)  # the first run makes the default file


NO_TERMINAL = (
    "orderview: the full-screen app needs a terminal that can draw it (TERM is {term}); "
    "the commands work anywhere: orderview search TEXT, orderview show ORDER_ID, "
    "orderview --help"
)


def config_file(args: argparse.Namespace) -> Path:
    """The config file this run reads (and where the app writes a theme picked on screen)."""
    from orderview.paths import default_config_path

    given = getattr(args, "config", None)
    return Path(given).expanduser() if given else default_config_path()


def refuse_dumb_terminal() -> None:
    """``TERM=dumb`` or no ``TERM`` (an editor's shell, a CI log, some serial consoles): one
    line pointing at the commands, not escape codes all over the output."""
    term = os.environ.get("TERM", "")
    if term in ("", "dumb", "unknown"):
        raise CLIError(
            NO_TERMINAL.format(term=repr(term) if term else "not set").removeprefix("orderview: "),
            exit_codes.USAGE,
        )


async def run_open(args: argparse.Namespace, ctx: Context) -> int:
    from orderview.services import licenses, orders
    from orderview.services.errors import NotFound

    refuse_dumb_terminal()
    if (args.order_id is None) == (args.license_key is None):
        raise CLIError("give an ORDER_ID or --license KEY (one of them)", 2)
    try:
        if args.license_key is not None:
            found = await licenses.find_license(ctx.db, args.license_key)
            return await run_app(
                args, ctx, open_store_id=found.order_store_id, open_license=found.id
            )
        await orders.get_order_by_store_id(ctx.db, args.order_id)
    except NotFound as exc:
        raise CLIError(visible(str(exc)), exit_codes.NOT_FOUND) from None
    return await run_app(args, ctx, open_store_id=args.order_id)


mark(run_open, in_app=True)
