"""`orderview serve`: the desk's SSH server (docs/serving.md); `--check` validates the
operators file and exits."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orderview.cli.errors import CLIError
from orderview.cli.marks import mark

if TYPE_CHECKING:
    from orderview.db.engine import Database
    from orderview.settings import Settings


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    sup = argparse.SUPPRESS
    cmd = subparsers.add_parser(
        "serve",
        parents=[common],
        help="serve the app over SSH to operators with keys",
        description="An SSH server that runs orderview for the operators in the operators "
        "file (public keys only), each in their role. Stop it with SIGTERM; "
        "SIGHUP reloads the operators file.",
    )
    cmd.add_argument(
        "--listen",
        default=sup,
        metavar="HOST:PORT",
        help="address to listen on (setting serve_listen; default 127.0.0.1:2222)",
    )
    cmd.add_argument(
        "--operators",
        default=sup,
        metavar="PATH",
        help="the operators file (setting serve_operators; default "
        "operators.toml beside the config file)",
    )
    cmd.add_argument(
        "--host-key",
        default=sup,
        metavar="PATH",
        help="the server's private host key, made on first start (setting serve_host_key)",
    )
    cmd.add_argument(
        "--check",
        action="store_true",
        help="check the operators file, one line per problem, and exit",
    )
    cmd.set_defaults(handler=run_serve)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CLIError(f"--listen {text!r}: give HOST:PORT, such as 127.0.0.1:2222", 2)
    return host.strip("[]") or "127.0.0.1", int(port)


def operators_path(args: argparse.Namespace, configured: str | None) -> Path:
    from orderview.paths import default_config_path

    given = getattr(args, "operators", None) or configured
    return Path(given).expanduser() if given else default_config_path().parent / "operators.toml"


async def _pg_capacity(settings: Settings, db: Database) -> str | None:
    """With PostgreSQL: whether sessions × pool fits the server's connection limit."""
    if db.dialect != "postgresql":
        return None
    from sqlalchemy import text

    async with db.engine.connect() as conn:
        limit = int((await conn.execute(text("SHOW max_connections"))).scalar_one())
    needed = settings.serve_max_sessions * settings.serve_db_pool * 2  # pool + overflow
    if needed <= limit:
        return None
    return (
        f"warning: up to {settings.serve_max_sessions} sessions × "
        f"{settings.serve_db_pool * 2} connections each = {needed} may exceed PostgreSQL's "
        f"max_connections of {limit}: lower serve_max_sessions or serve_db_pool"
    )


async def run_serve(args: argparse.Namespace, _ctx: object = None) -> int:
    from orderview.cli.context import open_db, settings_from_args
    from orderview.serve.operators import OperatorsError, load_operators

    settings = settings_from_args(args)
    db = None if args.check else await open_db(settings, must_exist=True)  # upgraded once, here
    path = operators_path(args, settings.serve_operators)
    try:
        operators = load_operators(path)
    except OperatorsError as exc:
        from orderview.safetext import visible

        if db is not None:
            await db.dispose()
        for problem in exc.problems:
            print(f"orderview: {exc.path}: {visible(problem)}", file=sys.stderr)
        return 2
    if db is None:  # --check
        print(f"{path}: {len(operators.by_name)} operators, {len(operators.by_key)} keys: ok")
        return 0
    host, port = parse_listen(getattr(args, "listen", None) or settings.serve_listen)
    from orderview.serve import hostkey, server

    key_path = Path(
        getattr(args, "host_key", None)
        or settings.serve_host_key
        or hostkey.default_host_key_path()
    ).expanduser()
    try:
        key, created = hostkey.load_or_create(key_path)
    except (OSError, ValueError) as exc:
        await db.dispose()
        raise CLIError(f"host key {key_path}: {exc}", 2) from None
    _log_to_stderr()
    print(
        f"orderview serve: host key {hostkey.fingerprint(key)} "
        f"({'made now, ' if created else ''}{key_path})",
        file=sys.stderr,
        flush=True,
    )
    try:
        warning = await _pg_capacity(settings, db)
    finally:
        await db.dispose()
    if warning:
        print(f"orderview serve: {warning}", file=sys.stderr, flush=True)
    base_args = ["--config", str(args.config)] if getattr(args, "config", None) else []
    desk = server.Desk(settings, path, operators, base_args)
    await server.serve(desk, host, port, key)
    return 0


def _log_to_stderr() -> None:
    log = logging.getLogger("orderview.serve")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s orderview serve: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


mark(run_serve, needs_context=False)  # --check needs no database
