"""`orderview export ORDER_ID [-o PATH | -o -] [--force]`: an order's CSV from the command line.

The data goes to the file (mode 0600, all or nothing) or to standard output; what happened goes
to standard error, so `-o -` can be piped.
"""

from __future__ import annotations

import argparse
import sys

from orderview import export
from orderview.cli.context import CLIError, Context
from orderview.cli.errors import exit_code_for
from orderview.safetext import visible
from orderview.services import orders
from orderview.services.errors import ServiceError


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "export",
        parents=[common],
        help="export an order to CSV",
        description="Write an order, its customer and its licenses as CSV (one row per "
        "license). The file is created with mode 0600: license keys are secrets.",
        epilog="Values: UTF-8, RFC 4180 quoting, CRLF rows, a header row; booleans true/false; "
        "dates YYYY-MM-DD; timestamps YYYY-MM-DDTHH:MM:SSZ (UTC); empty for none; "
        "max_activations 'unlimited' when unlimited. Cells whose first visible character "
        "is = + - @ TAB or CR get a leading ' so spreadsheets do not run them. An "
        "existing file is refused without --force, and --force replaces only a regular "
        "file (never a device, FIFO, socket or directory); a failed export leaves no "
        "file behind.",
    )
    cmd.add_argument("order_id", metavar="ORDER_ID", help="the order's Order ID (store_id)")
    cmd.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write, or - for standard output "
        "(default: order-<Order ID>-<UTC date>.csv here)",
    )
    cmd.add_argument("--force", action="store_true", help="overwrite an existing regular file")
    cmd.set_defaults(handler=run_export)


def _stderr_progress() -> export.Progress | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rexported {done:,} of {total:,} rows", end=end, file=sys.stderr, flush=True)

    return export.throttled(show)


class _Utf8Stdout:
    """UTF-8 bytes straight to stdout's buffer, no newline translation (CSV brings its CRLF).

    Not a TextIOWrapper: one of those over ``sys.stdout.buffer`` closes it when collected,
    and a reader leaving early (``| head``) must only end in main()'s BrokenPipe handling."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._buffer = getattr(sys.stdout, "buffer", None)
        # On a terminal the CSV is read, not stored: controls from the data are shown as visible
        # stand-ins so they cannot drive the operator's terminal. Pipes and files get exact bytes.
        self._tty = sys.stdout.isatty()

    def write(self, text: str) -> int:
        if self._tty:
            text = "\r\n".join(visible(line) for line in text.split("\r\n"))
        if self._buffer is None:
            return sys.stdout.write(text)
        written: int = self._buffer.write(text.encode("utf-8"))
        return written

    def flush(self) -> None:
        (self._buffer or sys.stdout).flush()


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


async def run_export(args: argparse.Namespace, ctx: Context) -> int:
    try:
        detail = await orders.get_order_by_store_id(ctx.db, args.order_id)
        if args.output == "-":
            stdout = _Utf8Stdout()
            result = await export.export_to_stream(ctx.db, detail.id, stdout, actor=ctx.operator)
            print(f"exported {_rows(result.rows)} to standard output", file=sys.stderr)
            return 0
        path = args.output or export.default_filename(detail.store_id)
        result = await export.export_to_file(
            ctx.db,
            detail.id,
            path,
            overwrite=args.force,
            progress=_stderr_progress(),
            actor=ctx.operator,
        )
    except export.ExportFileExists as exc:
        raise CLIError(visible(f"{exc} (use --force to overwrite)")) from None
    except ServiceError as exc:
        raise CLIError(visible(str(exc)), exit_code_for(exc)) from None
    print(visible(f"exported {_rows(result.rows)} to {result.path}"), file=sys.stderr)
    return 0
