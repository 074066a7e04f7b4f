"""``orderview license show|disable|enable|reset|set KEY``: one license, for scripts and the
support desk, through the same services as the license screen.

KEY is a license key (typed in any case, with or without dashes) or, for user-based products,
the user's email with ``--order ORDER_ID`` (and ``--product CODE`` when the user holds several
products there). Every change is checked against the version just read, so a change by another
operator in between is refused in one line naming who changed what. Text output passes every
value through ``visible()``; ``--json`` prints one JSON document.
"""

from __future__ import annotations

import argparse

from orderview.cli.context import CLIError, Context
from orderview.cli.errors import exit_code_for
from orderview.cli.marks import mark
from orderview.cli.output import print_json
from orderview.license_text import device_cells, license_fields, license_json
from orderview.safetext import visible
from orderview.services import license_actions, licenses
from orderview.services.errors import FieldErrors, ServiceError
from orderview.services.views import LicenseDetail


def _key_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("key", metavar="KEY", help="license key, or a user email with --order")
    cmd.add_argument("--order", metavar="ORDER_ID", help="the Order ID (for a user email)")
    cmd.add_argument("--product", metavar="CODE", help="product code (a user with several)")
    cmd.add_argument("--json", action="store_true", help="print the license as one JSON document")


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    lic = subparsers.add_parser(
        "license",
        parents=[common],
        help="one license: show or change it",
        description="Show one license with its devices, or change it.",
    )
    sub = lic.add_subparsers(dest="license_command", metavar="ACTION", required=True)
    show = sub.add_parser(
        "show",
        parents=[common],
        help="the license, its devices",
        description="Every field of the license and its devices.",
    )
    _key_options(show)
    show.set_defaults(handler=show_cmd)
    for name, enabled, text in (
        ("disable", False, "stops validating; devices stay"),
        ("enable", True, "validates again"),
    ):
        cmd = sub.add_parser(name, parents=[common], help=f"{name} the license ({text})")
        _key_options(cmd)
        cmd.set_defaults(handler=switch_cmd, enabled=enabled)
    # One add_parser per action, alike in shape (name, help, description, the key options).
    reset = sub.add_parser(
        "reset",
        parents=[common],
        help="release every device (or one: --device ID)",
        description="Reset activations: release every device of the license (its transfer count "
        "goes up by one), or with --device only that device.",
    )
    _key_options(reset)
    reset.add_argument("--device", metavar="ID", help="the device identifier to release")
    reset.set_defaults(handler=reset_cmd)
    change = sub.add_parser(
        "set",
        parents=[common],
        help="note, limits, validity, maintenance",
        description="Change the note, max activations / transfers, or extend validity or "
        "maintenance (by a duration like 30d, 6m, 1y, or to a date YYYY-MM-DD).",
    )
    _key_options(change)
    change.add_argument("--note", metavar="TEXT", help="the note ('' clears it)")
    change.add_argument("--max-activations", metavar="N", help="a number, or unlimited")
    change.add_argument("--max-transfers", metavar="N", help="0 = no limit")
    when = change.add_mutually_exclusive_group()
    when.add_argument("--extend", metavar="DURATION", help="extend validity by 30d, 6m, 1y …")
    when.add_argument("--valid-until", metavar="DATE", help="validity until YYYY-MM-DD")
    maint = change.add_mutually_exclusive_group()
    maint.add_argument(
        "--extend-maintenance",
        metavar="DURATION",
        dest="maintenance_extend",
        help="extend maintenance by 30d, 6m, 1y …",
    )
    maint.add_argument("--maintenance-until", metavar="DATE", help="maintenance until YYYY-MM-DD")
    change.set_defaults(handler=set_cmd)


SET_OPTIONS = (
    "note",
    "max_activations",
    "max_transfers",
    "extend",
    "valid_until",
    "maintenance_extend",
    "maintenance_until",
)


def _fail(exc: ServiceError) -> CLIError:
    if isinstance(exc, FieldErrors):
        text = "; ".join(
            f"--{name.replace('_', '-')}: {message}" for name, message in exc.errors.items()
        )
        return CLIError(visible(text))
    return CLIError(visible(str(exc)), exit_code_for(exc))


async def _find(args: argparse.Namespace, ctx: Context) -> LicenseDetail:
    return await licenses.find_license(ctx.db, args.key, args.order, args.product)


def _print(detail: LicenseDetail, as_json: bool) -> None:
    if as_json:
        print_json(license_json(detail))
        return
    width = max(len(label) for label, _ in license_fields(detail)) + 2
    for label, value in license_fields(detail):
        print(f"{label + ':':<{width}}{visible(value)}")
    count = f"{len(detail.devices)}{'+' if detail.devices_more else ''}"
    print(f"\nDevices ({count})" + ("" if detail.devices else ": none"))
    for device in detail.devices:
        identifier, hostname, os_name, vm, first, last = (visible(c) for c in device_cells(device))
        print(
            f"  {identifier}  {hostname}  {os_name}  vm: {vm}  first seen {first}  last seen {last}"
        )


async def show_cmd(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await _find(args, ctx)
    except ServiceError as exc:
        raise _fail(exc) from None
    _print(detail, args.json)
    return 0


mark(show_cmd, reads_existing=True)  # only reads: see data_cmd


async def switch_cmd(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await _find(args, ctx)
        changed = await license_actions.set_enabled(
            ctx.db, ctx.operator, detail.id, detail.version, args.enabled
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    _done(
        changed,
        args.json,
        f"{'enabled' if args.enabled else 'disabled'} {changed.identity}"
        + ("" if changed.version != detail.version else " (it already was)"),
    )
    return 0


async def reset_cmd(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await _find(args, ctx)
        changed = await license_actions.release_devices(
            ctx.db, ctx.operator, detail.id, detail.version, identifier=args.device
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    released = len(detail.devices) - len(changed.devices)
    what = (
        f"released device {args.device}"
        if args.device
        else f"reset activations: {released} device(s) released"
    )
    _done(changed, args.json, f"{changed.identity}: {what}")
    return 0


async def set_cmd(args: argparse.Namespace, ctx: Context) -> int:
    values = {name: getattr(args, name) for name in SET_OPTIONS if getattr(args, name) is not None}
    if not values:
        raise CLIError(
            "nothing to change: give --note, --max-activations, --max-transfers, "
            "--extend / --valid-until or --extend-maintenance / --maintenance-until",
            2,
        )
    try:
        detail = await _find(args, ctx)
        changed = await license_actions.update_license(
            ctx.db, ctx.operator, detail.id, detail.version, values
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    _done(
        changed,
        args.json,
        f"changed {changed.identity}"
        + ("" if changed.version != detail.version else " (nothing was different)"),
    )
    return 0


def _done(detail: LicenseDetail, as_json: bool, line: str) -> None:
    """The license as it is now (``--json``), or one line saying what was done."""
    if as_json:
        print_json(license_json(detail))
    else:
        print(visible(line))
