"""``orderview demo``: fill an empty database with deterministic demo data.

A progress line (rows written, rate, time left: ``orderview.demo_progress``) is rewritten in
place on a terminal, printed every ~10 % elsewhere. It refuses a database that already holds data (a demo must never mix with real orders);
``--force`` deletes everything in it first, and says so.
"""

from __future__ import annotations

import argparse
import sys

from orderview.cli.context import CLIError, Context
from orderview.cli.marks import mark
from orderview.cli.numbers import bounded_int
from orderview.demo import DEFAULT_ORDERS, DEFAULT_SEED, DemoRefused, generate_demo
from orderview.demo_progress import ProgressLine

MAX_ORDERS = 5_000_000


# Every subcommand registers itself the same way (argparse's add_parser with parents=[common]):
# the alike lines are each command's own name, help and description.
def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="generate a deterministic demo database",
        description="Generate demo orders, customers, licenses and managers. The same --seed "
        "and --orders always give the same data. Refuses a database that already "
        "holds data unless --force.",
    )
    demo.add_argument(
        "--orders",
        type=bounded_int(1, MAX_ORDERS),
        default=DEFAULT_ORDERS,
        metavar="N",
        help=f"how many orders (default {DEFAULT_ORDERS:,}; ~10 licenses each)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"random seed (default {DEFAULT_SEED})",
    )
    demo.add_argument(
        "--force", action="store_true", help="delete everything already in the database first"
    )
    demo.set_defaults(handler=demo_cmd)


async def demo_cmd(args: argparse.Namespace, ctx: Context) -> int:
    progress = ProgressLine(sys.stdout)
    ctx.db.check_writable()  # a read-only database: say so before anything else
    print(
        f"generating {args.orders:,} demo orders (seed {args.seed}) into {ctx.db.display}",
        flush=True,
    )
    try:
        stats = await generate_demo(
            ctx.db, args.orders, args.seed, force=args.force, progress=progress, note=progress.note
        )
    except DemoRefused as exc:
        raise CLIError(f"{ctx.db.display}: {exc}") from None
    progress.end()
    print(
        f"done: {stats.orders:,} orders, {stats.licenses:,} licenses, "
        f"{stats.customers:,} customers, {stats.managers:,} managers "
        f"in {stats.seconds:.1f} s",
        file=sys.stdout,
    )
    return 0


mark(demo_cmd, creates_database=True)  # fills a new database
