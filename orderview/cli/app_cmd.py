"""`orderview` (no command) and `orderview open ORDER_ID`: the interactive app.

Textual is imported here lazily, only when the app actually starts, so the other commands and
the core stay free of it. One start: settings validated, database opened and checked, then the
app (docs/architecture.md, "Start-up", says why there is no second, lighter one).
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from orderview.cli.errors import CLIError
from orderview.safetext import visible

if TYPE_CHECKING:
    from orderview.cli.context import Context
    from orderview.settings import Settings

COLOR_SYSTEMS = {"16": "standard", "256": "256", "truecolor": "truecolor"}


def register(parser: argparse.ArgumentParser, subparsers: argparse._SubParsersAction,
             common: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run_app)
    _terminal_options(parser)
    open_cmd = subparsers.add_parser(
        "open", parents=[common], help="open the app on one order",
        description="Open the app straight on an order's screen (esc goes to the orders list).",
    )
    open_cmd.add_argument("order_id", metavar="ORDER_ID", help="the order's Order ID (store_id)")
    open_cmd.set_defaults(handler=run_open)
    _terminal_options(open_cmd)


def _terminal_options(parser: argparse.ArgumentParser) -> None:
    sup = argparse.SUPPRESS
    parser.add_argument("--colors", choices=("16", "256", "truecolor"), default=sup,
                        help="colour depth (setting `colors`; default: what the terminal says)")
    parser.add_argument("--no-mouse", action="store_true", default=sup,
                        help="no mouse reporting at all (setting `mouse`)")


def _apply_flags(args: argparse.Namespace, settings: Settings) -> Settings:
    """Command-line flags win over the settings file and the environment."""
    update: dict[str, object] = {}
    if getattr(args, "colors", None):
        update["colors"] = args.colors
    if getattr(args, "no_mouse", False):
        update["mouse"] = False
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


async def run_app(args: argparse.Namespace, ctx: Context,
                  open_store_id: str | None = None) -> int:
    settings = _apply_flags(args, ctx.settings)
    _terminal_env(settings)
    from orderview.app import OrderviewApp

    app = OrderviewApp(ctx.db, settings, ctx.operator, open_store_id=open_store_id)
    await app.run_async(mouse=settings.mouse)
    return app.return_code or 0


run_app.in_app = True  # type: ignore[attr-defined]  # database warnings go on its screen
run_app.creates_database = True  # type: ignore[attr-defined]  # the first run makes the default file


async def run_open(args: argparse.Namespace, ctx: Context) -> int:
    from orderview.services import orders
    from orderview.services.errors import NotFound

    try:
        await orders.get_order_by_store_id(ctx.db, args.order_id)
    except NotFound as exc:
        raise CLIError(visible(str(exc))) from None
    return await run_app(args, ctx, open_store_id=args.order_id)


run_open.in_app = True  # type: ignore[attr-defined]
