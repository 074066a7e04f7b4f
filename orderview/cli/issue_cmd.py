"""`orderview issue ORDER_ID --product CODE …` and `orderview order create …`: issuing and order
creation for scripts and support tooling, through the same services as the wizard.

`issue` prints the new keys (or user emails) one per line on standard output, so the output can
be piped; `--json` prints one JSON document instead.
"""

from __future__ import annotations

import argparse
import sys

from orderview.cli.context import CLIError, Context
from orderview.cli.errors import exit_code_for
from orderview.cli.marks import mark
from orderview.cli.numbers import bounded_int
from orderview.cli.output import print_json
from orderview.safetext import visible
from orderview.schemas.issuing import MAX_QUANTITY, LineInput
from orderview.services import catalog, customers, orders
from orderview.services.errors import ServiceError
from orderview.services.issuing import IssueResult, issue_licenses
from orderview.services.order_create import create_order


# The same argparse registration as every subcommand (see cli/demo_cmd.py); its own words.
def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    issue = subparsers.add_parser(
        "issue",
        parents=[common],
        help="issue licenses into an order",
        description="Issue licenses of one product into an order, from a license policy (the "
        "product's default unless --policy). Prints the new keys, one per line.",
    )
    issue.add_argument("order_id", metavar="ORDER_ID", help="the order's Order ID (store_id)")
    issue.add_argument("--product", required=True, metavar="CODE", help="product short code")
    issue.add_argument(
        "--policy",
        metavar="CODE",
        help="license policy code (default: the product's default policy)",
    )
    issue.add_argument(
        "--quantity",
        type=bounded_int(1, MAX_QUANTITY),
        default=None,
        metavar="N",
        help=f"how many licenses (1–{MAX_QUANTITY:,}; default 1)",
    )
    issue.add_argument("--note", metavar="TEXT", help="note stored on every license")
    issue.add_argument(
        "--user",
        action="append",
        metavar="EMAIL",
        dest="users",
        help="user email (user-based products; repeat for several users)",
    )
    issue.add_argument("--json", action="store_true", help="print one JSON document")
    issue.set_defaults(handler=run_issue)

    order = subparsers.add_parser(
        "order", parents=[common], help="create orders", description="Create orders."
    )
    order_sub = order.add_subparsers(dest="order_command", metavar="ACTION", required=True)
    create = order_sub.add_parser(
        "create",
        parents=[common],
        help="create an order",
        description="Create an order. Without --store-id an Order ID is generated. --customer "
        "links the customer with that email, creating it if there is none.",
    )
    create.add_argument("--store-id", default="", metavar="ID", help="the Order ID")
    create.add_argument("--reference", default="", metavar="R", help="order reference number")
    create.add_argument("--customer", metavar="EMAIL", help="customer email")
    create.add_argument("--json", action="store_true", help="print one JSON document")
    create.set_defaults(handler=run_order_create)


def _fail(exc: ServiceError) -> CLIError:
    return CLIError(visible(str(exc)), exit_code_for(exc))


async def run_issue(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await orders.get_order_by_store_id(ctx.db, args.order_id)
        product = await catalog.product_by_code(ctx.db, args.product)
        policy: catalog.PolicyView | None
        if args.policy:
            policy = await catalog.policy_by_code(ctx.db, product.id, args.policy)
        else:
            policy = await catalog.default_policy(ctx.db, product.id)
            if policy is None:
                raise CLIError(
                    visible(f"{product.short_code} has no default policy: give --policy")
                )
        if product.user_based and not args.users:
            raise CLIError(visible(f"{product.short_code} is user-based: give --user EMAIL"))
        if product.user_based and args.quantity is not None:
            raise CLIError(
                visible(
                    f"{product.short_code} is user-based: one license per --user, no --quantity"
                )
            )
        if not product.user_based and args.users:
            raise CLIError(
                visible(
                    f"{product.short_code} is key-based: --user is for "
                    "user-based products; give --quantity N"
                )
            )
        line = LineInput(
            product_id=product.id,
            policy_id=policy.id,
            values={"note": args.note} if args.note is not None else {},
            quantity=None if product.user_based else (args.quantity or 1),
            user_emails=args.users if product.user_based else None,
        )
        result = await issue_licenses(ctx.db, ctx.operator, detail.id, [line])
    except ServiceError as exc:
        raise _fail(exc) from None
    _print_issued(result, args.json)
    return 0


def _issued_json(result: IssueResult) -> dict[str, object]:
    return {
        "order": result.store_id,
        "issued": result.total,
        "lines": [
            {
                "product": line.product_code,
                "policy": line.policy_code,
                "quantity": line.quantity,
                "keys": list(line.keys),
                "user_emails": list(line.user_emails),
            }
            for line in result.lines
        ],
    }


def _print_issued(result: IssueResult, as_json: bool) -> None:
    if as_json:
        print_json(_issued_json(result))
        return
    for identity in result.identities:
        print(visible(identity))
    print(visible(f"issued {result.total} license(s) into {result.store_id}"), file=sys.stderr)


async def run_order_create(args: argparse.Namespace, ctx: Context) -> int:
    data: dict[str, object] = {"store_id": args.store_id, "reference": args.reference}
    try:
        if args.customer:
            email = args.customer.strip()
            matches = await customers.search_customers(ctx.db, email)
            same = [c for c in matches.items if c.email.lower() == email.lower()]
            if same:
                data["customer_id"] = same[0].id
            else:
                data["new_customer"] = {"email": email}
        created = await create_order(ctx.db, ctx.operator, data)
    except ServiceError as exc:
        raise _fail(exc) from None
    order = created.order
    if args.json:
        print_json(
            {
                "id": order.id,
                "store_id": order.store_id,
                "reference": order.reference,
                "customer": order.customer.email if order.customer else None,
                "created_at": order.created_at.isoformat(),
            }
        )
    else:
        print(visible(order.store_id))
    return 0


mark(run_order_create, creates_database=True)  # makes data
