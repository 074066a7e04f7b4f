"""``orderview outbox send`` delivers due mail now; ``orderview outbox list`` shows the outbox,
each message with its order and manager, optionally one order's (``--order``) or some statuses'.

Neither ever prints a message body (it is for the recipient).
"""

from __future__ import annotations

import argparse

from orderview.cli.context import CLIError, Context
from orderview.cli.numbers import bounded_int
from orderview.cli.output import print_json
from orderview.mail import delivery, outbox
from orderview.mail.smtp import NO_SERVER, mail_configured
from orderview.roles import require
from orderview.safetext import visible
from orderview.services import audit, orders
from orderview.services.errors import NotFound
from orderview.services.outbox_listing import OutboxLine, list_mail

STATUSES = ("queued", "sent", "failed", "superseded", "expired")
MAX_LIST = 100_000


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    box = subparsers.add_parser("outbox", parents=[common], help="the license manager mail outbox")
    sub = box.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    send = sub.add_parser("send", parents=[common], help="deliver due messages now over SMTP")
    send.set_defaults(handler=send_cmd)
    listing = sub.add_parser("list", parents=[common], help="show queued, sent and failed mail")
    listing.add_argument("--json", action="store_true", help="one JSON document on stdout")
    listing.add_argument(
        "--status", choices=STATUSES, action="append", help="only this status (repeatable)"
    )
    listing.add_argument(
        "--order",
        metavar="ORDER_ID",
        help="only the mail of the order with this Order ID (also deleted)",
    )
    listing.add_argument(
        "--limit", type=bounded_int(1, MAX_LIST), default=200, help="at most this many (newest)"
    )
    listing.set_defaults(handler=list_cmd)


async def send_cmd(args: argparse.Namespace, ctx: Context) -> int:
    require(ctx.operator, "send_mail")
    if not mail_configured(ctx.settings):
        pending = await outbox.count_pending(ctx.db)
        raise CLIError(f"{NO_SERVER} (set ORDERVIEW_SMTP_HOST); {pending} message(s) stay queued")
    results = await delivery.deliver_due(ctx.db, ctx.settings, actor=ctx.operator)
    if not results:
        print("nothing due")
    waiting = await outbox.count_pending(ctx.db) - sum(r.status in outbox.PENDING for r in results)
    if waiting > 0:  # failed earlier, waiting for their retry time: say when, not "nothing"
        due = await outbox.next_due_at(ctx.db)
        print(
            f"{waiting} message(s) wait for their next try"
            + (f" (next at {due:%Y-%m-%d %H:%M} UTC)" if due else "")
        )
    for r in results:
        outcome = "sent" if r.ok else f"{r.status}: {r.error}"
        print(f"#{r.id} {visible(r.to_address, 254)}: {visible(outcome, 400)}")
    return 0 if all(r.ok or r.status in ("expired", "superseded") for r in results) else 1


def _row(line: OutboxLine) -> dict[str, object]:
    view = line.mail
    return {
        "id": view.id,
        "kind": view.kind,
        "to": view.to_address,
        "subject": view.subject,
        "status": view.status,
        "attempts": view.attempts,
        "last_error": view.last_error,
        "gave_up": view.gave_up,
        "created_at": view.created_at.isoformat(),
        "next_attempt_at": view.next_attempt_at.isoformat()
        if view.status in outbox.PENDING
        else None,
        "sent_at": view.sent_at.isoformat() if view.sent_at else None,
        "order_id": view.order_id,
        "order": line.order,
        "manager_id": view.manager_id,
        "manager": line.manager,
    }


async def _order_id(ctx: Context, store_id: str) -> int:
    """The order's id by its Order ID (any case); a deleted order's from its audit trail."""
    try:
        return (await orders.get_order_by_store_id(ctx.db, store_id)).id
    except NotFound:
        found = await audit.order_id_for_store_id(ctx.db, store_id)
    if found is None:
        raise CLIError(f"no order with Order ID {visible(store_id, 100)!r}")
    return found


def _who(line: OutboxLine) -> str:
    view = line.mail
    order = line.order or (f"#{view.order_id} (deleted)" if view.order_id else "none")
    manager = line.manager or (f"#{view.manager_id} (removed)" if view.manager_id else "none")
    return f"order {order}, manager {manager}"


async def list_cmd(args: argparse.Namespace, ctx: Context) -> int:
    order_id = await _order_id(ctx, args.order) if args.order is not None else None
    lines = await list_mail(ctx.db, tuple(args.status or ()), args.limit, order_id)
    configured = mail_configured(ctx.settings)
    if args.json:
        print_json({"mail_configured": configured, "messages": [_row(v) for v in lines]})
        return 0
    if not configured:
        print(f"note: {NO_SERVER} (set ORDERVIEW_SMTP_HOST): queued mail is not being sent")
    if not lines:
        print("no mail for this order" if order_id is not None else "outbox is empty")
    for listed in lines:
        v = listed.mail
        when = v.sent_at or v.created_at
        line = (
            f"#{v.id} {v.status:<10} {when:%Y-%m-%d %H:%M} UTC  {v.kind:<14} "
            f"{v.to_address}  {_who(listed)}"
        )
        if v.status == "failed":
            retry = ", gave up" if v.gave_up else f", next try {v.next_attempt_at:%H:%M} UTC"
            line += f"  [{v.attempts} attempt(s){retry}: {v.last_error}]"
        print(visible(line, 600))
    return 0
