"""`orderview` (no command) and `orderview open ORDER_ID`: the interactive app.

Textual is imported here lazily, only when the app actually starts, so the other commands and
the core stay free of it.

The light start (``orderview`` on an up-to-date SQLite file): the first page of the orders
list is read with the standard library (``orderview.quickstart``) and painted before the data
layer (SQLAlchemy, pydantic settings, migrations check, services, mail sender) is imported;
``finish_start`` opens it in the background right after the first paint, exactly as the
normal start would (full settings validation, schema check, operator), and its errors end the
app with the same one line and exit code. PostgreSQL, URLs, a missing, empty or out-of-date
file, ``open ORDER_ID`` and settings the light read is unsure of take the normal start.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from orderview.cli import exit_codes
from orderview.cli.errors import CLIError
from orderview.safetext import visible

if TYPE_CHECKING:
    from orderview.cli.context import Context
    from orderview.quickstart import FirstPage, FirstPaintSettings
    from orderview.settings import Settings

COLOR_SYSTEMS = {"16": "standard", "256": "256", "truecolor": "truecolor"}
FIRST_PAGE = 50  # screens.orders.PAGE (a test keeps them equal)


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
    parser.add_argument("--ascii", action="store_true", default=sup,
                        help="draw with plain ASCII only (setting `ascii`; default: when the "
                             "locale is not UTF-8)")


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


def _terminal_env(settings: Settings | FirstPaintSettings) -> None:
    """Colour depth must be chosen before Textual is imported (it reads the environment)."""
    if settings.colors in COLOR_SYSTEMS:
        os.environ["TEXTUAL_COLOR_SYSTEM"] = COLOR_SYSTEMS[settings.colors]
    if not settings.animations:
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    import sys

    if "textual.constants" in sys.modules:  # imported ahead (an ``orderview serve`` session)
        import importlib

        importlib.reload(sys.modules["textual.constants"])


@dataclass
class LightStart:
    """What the light start paints first, and how it finishes opening the data layer."""

    args: argparse.Namespace
    settings: FirstPaintSettings
    first_page: FirstPage

    async def finish(self) -> Context:
        """The normal start's work, after the first paint: import the data layer (in a
        thread, so the painted screen stays responsive), validate every setting, open and
        check the database, resolve the operator. Raises ``CLIError`` as the normal start
        would."""
        import asyncio

        await asyncio.to_thread(_import_data_layer)
        from orderview.cli.context import open_context

        ctx = await open_context(self.args)
        ctx.settings = _apply_flags(self.args, ctx.settings)
        return ctx


def _import_data_layer() -> None:
    """Everything the normal start and the first search import (in a worker thread)."""
    import importlib

    for name in ("orderview.cli.context", "orderview.services.orders", "orderview.db.faults",
                 "orderview.mail.background", "sqlalchemy.dialects.sqlite.aiosqlite",
                 "aiosqlite"):
        importlib.import_module(name)


def light_start(args: argparse.Namespace) -> LightStart | None:
    """The light start for ``args``, or None when the normal start must run."""
    from orderview import quickstart

    settings = quickstart.read_first_paint_settings(
        getattr(args, "config", None), getattr(args, "db", None),
        getattr(args, "operator", None), getattr(args, "colors", None),
        bool(getattr(args, "no_mouse", False)),
    )
    if settings is not None and getattr(args, "ascii", False):
        settings = replace(settings, ascii=True)
    path = quickstart.sqlite_file(settings.db) if settings is not None else None
    page = quickstart.first_page(path, FIRST_PAGE) if path is not None else None
    if settings is None or page is None:
        return None
    return LightStart(args, settings, page)


async def run_app(args: argparse.Namespace, ctx: Context | None = None,
                  open_store_id: str | None = None) -> int:
    if ctx is None:
        refuse_dumb_terminal()
        start = light_start(args)
        if start is None:
            from orderview.cli import with_context

            return await with_context(run_app, args)
        return await _run_light(start)
    settings = _apply_flags(args, ctx.settings)
    _terminal_env(settings)
    from orderview.app import OrderviewApp

    app = OrderviewApp(ctx.db, settings, ctx.operator, open_store_id=open_store_id)
    app.config_file = config_file(args)
    await app.run_async(mouse=settings.mouse)
    if app.crash is not None:
        raise app.crash
    return app.return_code or 0


run_app.needs_context = False  # type: ignore[attr-defined]  # it chooses the light or normal start
run_app.in_app = True  # type: ignore[attr-defined]  # database warnings go on its screen
run_app.creates_database = True  # type: ignore[attr-defined]  # the first run makes the default file


async def _run_light(start: LightStart) -> int:
    from orderview.identity import fixed_actor, resolve_operator

    settings = start.settings
    _terminal_env(settings)
    from orderview.app import OrderviewApp

    # Until the data layer is open (no write can happen before), the operator is the name
    # shown; under ``orderview serve`` it is the proven one from the start.
    operator = fixed_actor() or resolve_operator(getattr(start.args, "operator", None),
                                                 settings.operator)
    app = OrderviewApp(None, settings, operator, light=start)
    app.config_file = config_file(start.args)
    try:
        await app.run_async(mouse=settings.mouse)
    except Exception as exc:
        from orderview.services.errors import DatabaseUnavailable  # not before the first paint

        if not isinstance(exc, DatabaseUnavailable):
            raise
        # as ``with_context`` says it on the normal start
        raise CLIError(f"database {app.db.display if app.db else settings.db}: {exc}",
                       exit_codes.DB_UNAVAILABLE) from None
    finally:
        if app.db is not None:
            await app.db.dispose()
    if app.crash is not None:
        raise app.crash
    if app.start_error is not None:
        raise app.start_error
    return app.return_code or 0


NO_TERMINAL = ("orderview: the full-screen app needs a terminal that can draw it (TERM is {term}); "
               "the commands work anywhere: orderview search TEXT, orderview show ORDER_ID, "
               "orderview --help")


def config_file(args: argparse.Namespace) -> Path:
    """The config file this run reads (and where the app writes a theme picked on screen)."""
    from orderview.quickstart import default_config_path

    given = getattr(args, "config", None)
    return Path(given).expanduser() if given else default_config_path()


def refuse_dumb_terminal() -> None:
    """``TERM=dumb`` or no ``TERM`` (an editor's shell, a CI log, some serial consoles): one
    line pointing at the commands, not escape codes all over the output."""
    term = os.environ.get("TERM", "")
    if term in ("", "dumb", "unknown"):
        raise CLIError(NO_TERMINAL.format(term=repr(term) if term else "not set")
                       .removeprefix("orderview: "), exit_codes.USAGE)


async def run_open(args: argparse.Namespace, ctx: Context) -> int:
    from orderview.services import orders
    from orderview.services.errors import NotFound

    refuse_dumb_terminal()
    try:
        await orders.get_order_by_store_id(ctx.db, args.order_id)
    except NotFound as exc:
        raise CLIError(visible(str(exc)), exit_codes.NOT_FOUND) from None
    return await run_app(args, ctx, open_store_id=args.order_id)


run_open.in_app = True  # type: ignore[attr-defined]
