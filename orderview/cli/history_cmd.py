"""``orderview history ORDER_ID [--json]``: an order's audit trail, newest first.

Works for deleted orders too (the audit trail outlives the order). Text output is literal:
control characters in stored values are shown as stand-ins, never sent to the terminal.
"""

from __future__ import annotations

import argparse

from orderview.cli import exit_codes
from orderview.cli.context import CLIError, Context
from orderview.cli.numbers import bounded_int
from orderview.cli.output import print_json
from orderview.history_text import event_json, event_lines
from orderview.safetext import visible
from orderview.services import audit, orders
from orderview.services.errors import NotFound
from orderview.services.views import AuditView

PAGE = 200
MAX_EVENTS = 1_000_000


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "history",
        parents=[common],
        help="an order's change history (audit trail)",
        description="Every recorded change of an order, newest first, with who made it.",
    )
    cmd.add_argument("order_id", metavar="ORDER_ID", help="the order's Order ID (store_id)")
    cmd.add_argument("--json", action="store_true", help="one JSON document on stdout")
    cmd.add_argument(
        "--limit",
        type=bounded_int(1, MAX_EVENTS),
        default=None,
        metavar="N",
        help="only the N newest events",
    )
    cmd.set_defaults(handler=history_cmd)


async def _events(ctx: Context, order_id: int, limit: int | None) -> list[AuditView]:
    events: list[AuditView] = []
    before: int | None = None
    while limit is None or len(events) < limit:
        page = await audit.order_history(ctx.db, order_id, before_id=before, limit=PAGE)
        events.extend(page.items)
        if not page.has_more or not page.items:
            break
        before = page.items[-1].id
    return events if limit is None else events[:limit]


async def history_cmd(args: argparse.Namespace, ctx: Context) -> int:
    store_id = args.order_id
    try:
        order_id: int | None = (await orders.get_order_by_store_id(ctx.db, store_id)).id
        exists = True
    except NotFound:
        order_id = await audit.order_id_for_store_id(ctx.db, store_id)
        exists = False
    if order_id is None:
        raise CLIError(f"no order with Order ID {visible(store_id, 100)!r}", exit_codes.NOT_FOUND)
    events = await _events(ctx, order_id, args.limit)
    if args.json:
        document = {
            "order_id": order_id,
            "store_id": store_id,
            "exists": exists,
            "events": [event_json(e) for e in events],
        }
        print_json(document)
        return 0
    title = f"History of order {visible(store_id, 100)}"
    print(title if exists else f"{title} (deleted)")
    if not events:
        print("no recorded changes")
    for event in events:
        print()
        print("\n".join(event_lines(event)))
    return 0
