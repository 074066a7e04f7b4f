"""``orderview products``: the products and their license policies, with the codes that
``orderview issue --product CODE --policy CODE`` takes (matched regardless of case)."""

from __future__ import annotations

import argparse
from typing import Any

from orderview.cli.context import Context
from orderview.cli.output import print_json, print_table
from orderview.services import catalog


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "products",
        parents=[common],
        help="list products and their license policies",
        description="Products (by name) and their license policies (the default first), with "
        "the codes `orderview issue` takes.",
    )
    cmd.add_argument("--json", action="store_true", help="one JSON document on stdout")
    cmd.set_defaults(handler=products_cmd)


def _policy_json(policy: catalog.PolicyView) -> dict[str, Any]:
    return {
        "code": policy.code,
        "name": policy.name,
        "is_default": policy.is_default,
        **policy.defaults,
    }


async def products_cmd(args: argparse.Namespace, ctx: Context) -> int:
    listed = await catalog.catalog(ctx.db)
    if args.json:
        print_json(
            {
                "products": [
                    {
                        "short_code": p.short_code,
                        "name": p.name,
                        "authorization_method": p.authorization_method,
                        "active": p.active,
                        "policies": [_policy_json(q) for q in policies],
                    }
                    for p, policies in listed
                ]
            }
        )
        return 0
    if not listed:
        print("no products")
        return 0
    rows = []
    for product, policies in listed:
        kind = "user" if product.user_based else "key"
        sold = "" if product.active else "not sold"
        each: list[catalog.PolicyView | None] = [*policies] or [None]
        for policy in each:
            rows.append(
                (
                    product.short_code,
                    product.name,
                    kind,
                    sold,
                    policy.code if policy else "",
                    policy.name if policy else "",
                    "yes" if policy and policy.is_default else "",
                    policy.defaults["license_type"] if policy else "",
                )
            )
    print_table(
        ("PRODUCT", "NAME", "BY", "STATUS", "POLICY", "POLICY NAME", "DEFAULT", "TYPE"),
        rows,
        (16, 30, 4, 8, 16, 44, 7, 13),
    )
    return 0
