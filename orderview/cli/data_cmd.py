"""``orderview search TEXT`` and ``orderview show ORDER_ID``: orders on stdout, for people and
scripts.

Both go through the same services as the screens (``orderview.services.orders``). Text output
passes every value through ``visible()`` (no control character reaches the terminal); ``--json``
prints one JSON document whose keys are the field names of shared/domain.md.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from orderview.cli import exit_codes
from orderview.cli.context import CLIError, Context
from orderview.cli.numbers import bounded_int
from orderview.cli.output import iso, print_json, print_table
from orderview.safetext import visible
from orderview.services import orders
from orderview.services.errors import NotFound
from orderview.services.views import CustomerView, LicenseRow, ManagerView, OrderDetail

LICENSE_PAGE = 1000  # rows fetched per query when --licenses asks for many
MAX_SEARCH_LIMIT = 10_000
MAX_LICENSES_SHOWN = 10_000_000


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    search = subparsers.add_parser(
        "search",
        parents=[common],
        help="print orders matching TEXT",
        description="Orders whose Order ID, reference, customer email/name/company, license "
        "key or license user email starts with TEXT (case-insensitive): the Order "
        "ID itself first, then by kind of match (Order ID, reference, customer, "
        "license), newest first.",
    )
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--json", action="store_true", help="one JSON document on stdout")
    search.add_argument(
        "--limit",
        type=bounded_int(1, MAX_SEARCH_LIMIT),
        default=orders.SEARCH_LIMIT,
        help=f"at most N orders (default {orders.SEARCH_LIMIT})",
    )
    search.set_defaults(handler=search_cmd)

    show = subparsers.add_parser(
        "show",
        parents=[common],
        help="print one order with its customer, managers, licenses",
    )
    show.add_argument("order_id", metavar="ORDER_ID", help="the order's Order ID (store_id)")
    show.add_argument("--json", action="store_true", help="one JSON document on stdout")
    show.add_argument(
        "--licenses",
        type=bounded_int(0, MAX_LICENSES_SHOWN),
        default=100,
        metavar="N",
        help="print the first N licenses (default 100)",
    )
    show.set_defaults(handler=show_cmd)


# -- search ------------------------------------------------------------------------------------
async def search_cmd(args: argparse.Namespace, ctx: Context) -> int:
    page = await orders.search_orders(ctx.db, args.text, limit=args.limit)
    if args.json:
        print_json(
            {
                "query": args.text,
                "orders": [
                    {
                        "store_id": s.store_id,
                        "reference": s.reference,
                        "customer": s.customer,
                        "license_count": s.license_count,
                        "is_test": s.is_test,
                        "is_trial": s.is_trial,
                        "created_at": iso(s.created_at),
                    }
                    for s in page.items
                ],
                "has_more": page.has_more,
            }
        )
        return 0
    if not page.items:
        print(f"no orders match {visible(args.text, 100)}")
        return 0
    rows = [
        (
            s.store_id,
            s.reference,
            s.customer,
            f"{s.license_count:,}",
            " ".join(f for f, on in (("test", s.is_test), ("trial", s.is_trial)) if on),
            s.created_at,
        )
        for s in page.items
    ]
    print_table(
        ("ORDER ID", "REFERENCE", "CUSTOMER", "LICENSES", "FLAGS", "CREATED (UTC)"),
        rows,
        (24, 20, 36, 9, 10, 16),
    )
    if page.has_more:
        print(f"(first {len(page.items)} shown; --limit N shows more)")
    return 0


# -- show --------------------------------------------------------------------------------------
async def _licenses(ctx: Context, order_id: int, wanted: int) -> list[LicenseRow]:
    rows: list[LicenseRow] = []
    after: int | None = None
    while len(rows) < wanted:
        page = await orders.page_licenses(
            ctx.db, order_id, after_id=after, limit=min(LICENSE_PAGE, wanted - len(rows))
        )
        rows.extend(page.items)
        if not page.has_more or not page.items:
            break
        after = page.items[-1].id
    return rows


def customer_json(c: CustomerView | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company_name": c.company_name,
        "phone": c.phone,
        "reference": c.reference,
        "address": c.address,
        "city": c.city,
        "state": c.state,
        "postcode": c.postcode,
        "country": c.country,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def license_json(r: LicenseRow) -> dict[str, Any]:
    return {
        "license_key": r.license_key,
        "user_email": r.user_email,
        "product_short_code": r.product_code,
        "product_name": r.product_name,
        "license_type": r.license_type,
        "status": r.status,
        "enabled": r.enabled,
        "times_activated": r.times_activated,
        "max_activations": r.max_activations,
        "allow_unlimited_activations": r.allow_unlimited_activations,
        "validity_period": iso(r.validity_period),
        "valid_duration": r.valid_duration,
        "start_date": iso(r.start_date),
        "is_trial": r.is_trial,
        "trial_days": r.trial_days,
        "is_floating": r.is_floating,
        "floating_users": r.floating_users,
        "max_transfers": r.max_transfers,
        "note": r.note,
        "created_at": iso(r.created_at),
    }


def manager_json(m: ManagerView) -> dict[str, Any]:
    return {
        "email": m.email,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "phone_number": m.phone_number,
        "permissions": list(m.permissions),
        "is_active": m.is_active,
        "is_initial_password": m.is_initial_password,
        "invite_status": m.invite_status,
        "invite_at": iso(m.invite_at),
        "invite_error": m.invite_error or None,
    }


def order_json(d: OrderDetail, licenses: list[LicenseRow]) -> dict[str, Any]:
    return {
        "store_id": d.store_id,
        "reference": d.reference,
        "campaign_params": d.campaign_params,
        "download_id": d.download_id,
        "language": d.language,
        "is_test": d.is_test,
        "is_trial": d.is_trial,
        "order_type": d.order_type,
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
        "metadata": d.metadata,
        "customer": customer_json(d.customer),
        "license_count": d.license_count,
        "licenses": [license_json(r) for r in licenses],
        "managers": [manager_json(m) for m in d.managers],
    }


def _field(label: str, value: object) -> None:
    print(f"  {label:<16} {visible(value, 500)}")


def _print_order(d: OrderDetail, licenses: list[LicenseRow]) -> None:
    flags = " ".join(f"[{f}]" for f, on in (("test", d.is_test), ("trial", d.is_trial)) if on)
    print(f"Order {visible(d.store_id, 100)} {flags}".rstrip())
    _field("Reference", d.reference)
    _field("Campaign params", d.campaign_params)
    _field("Download ID", d.download_id)
    _field("Language", d.language)
    _field("Order type", d.order_type)
    _field("Created", f"{d.created_at:%Y-%m-%d %H:%M:%S} UTC")
    _field("Updated", f"{d.updated_at:%Y-%m-%d %H:%M:%S} UTC")
    if d.metadata:
        _field("Metadata", json.dumps(d.metadata, ensure_ascii=False, sort_keys=True))
    print()
    c = d.customer
    if c is None:
        print("Customer: none")
    else:
        print("Customer")
        _field("Email", c.email)
        _field("Name", f"{c.first_name} {c.last_name}".strip())
        _field("Company", c.company_name)
        _field("Phone", c.phone)
        _field("Reference", c.reference)
        place = ", ".join(
            p for p in (c.address, f"{c.postcode} {c.city}".strip(), c.state, c.country) if p
        )
        _field("Address", place)
    print()
    print(f"License managers: {len(d.managers)}")
    for m in d.managers:
        invite = f"invite {m.invite_status}" if m.invite_status else "not invited"
        print(f"  {visible(m.email, 254)}  {visible(m.name, 100)}  ({invite})")
        print(f"    permissions: {', '.join(m.permissions) or 'none'}")
    print()
    shown = f" (first {len(licenses):,} shown)" if len(licenses) < d.license_count else ""
    print(f"Licenses: {d.license_count:,}{shown}")
    if licenses:
        rows = [
            (
                r.identity,
                r.product_code,
                r.license_type,
                r.status,
                r.activations,
                r.validity_period or "",
                r.created_at,
            )
            for r in licenses
        ]
        print_table(
            ("KEY / USER", "PRODUCT", "TYPE", "STATUS", "ACT", "EXPIRES", "CREATED (UTC)"),
            rows,
            (40, 12, 12, 8, 9, 10, 16),
        )


async def show_cmd(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await orders.get_order_by_store_id(ctx.db, args.order_id)
    except NotFound as exc:
        raise CLIError(visible(str(exc), 200), exit_codes.NOT_FOUND) from None
    licenses = await _licenses(ctx, detail.id, args.licenses)
    if args.json:
        print_json(order_json(detail, licenses))
    else:
        _print_order(detail, licenses)
    return 0
