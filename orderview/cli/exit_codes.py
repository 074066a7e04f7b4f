"""The exit statuses of `orderview` and every command: one table, for scripts to rely on.

README.md's "Exit codes" table lists the same names and numbers (``tests/test_ship_cli.py``
holds the two together and provokes each one).
"""

from __future__ import annotations

import signal

SUCCESS = 0
ERROR = 1  # any other refusal: one line on stderr (an export that would overwrite a file, …)
USAGE = 2  # argparse's code for a bad command line; also a bad setting or config file
NOT_FOUND = 3  # no such order (show, history, open, issue …)
DB_UNAVAILABLE = 4  # database missing, unreachable, locked, read-only or of a newer schema
CONFLICT = 5  # someone else changed the record first (optimistic version check)
CRASH = 70  # a bug: the traceback is in the log file (sysexits' EX_SOFTWARE)
FORBIDDEN = 77  # the operator's role does not allow it (sysexits' EX_NOPERM)
BROKEN_PIPE = 128 + signal.SIGPIPE  # 141: the reader of stdout went away (`| head`)
HANGUP = 128 + signal.SIGHUP  # 129: the terminal went away (SSH dropped)
INTERRUPT = 128 + signal.SIGINT  # 130: ctrl+c on a command

# name -> (code, meaning), in the README's order.
TABLE: dict[str, tuple[int, str]] = {
    "SUCCESS": (SUCCESS, "success"),
    "ERROR": (ERROR, "any other refusal (one line on stderr)"),
    "USAGE": (USAGE, "usage or setting error (bad option, bad setting, unreadable config file)"),
    "NOT_FOUND": (NOT_FOUND, "not found (no such order)"),
    "DB_UNAVAILABLE": (DB_UNAVAILABLE, "database unreachable, missing, locked or read-only"),
    "CONFLICT": (CONFLICT, "conflict: someone else changed the record first"),
    "CRASH": (CRASH, "crash: a bug; the traceback is in the log file"),
    "FORBIDDEN": (FORBIDDEN, "the operator's role does not allow it"),
    "HANGUP": (HANGUP, "hang-up: the terminal went away"),
    "INTERRUPT": (INTERRUPT, "interrupt (ctrl+c)"),
    "BROKEN_PIPE": (BROKEN_PIPE, "the reader of the output went away (`| head`)"),
}


def for_service_error(exc: BaseException) -> int:
    """The exit status for a service's refusal (imported lazily: this module stays light)."""
    from orderview.roles import Forbidden
    from orderview.services.errors import ConflictError, DatabaseUnavailable, NotFound

    if isinstance(exc, Forbidden):
        return FORBIDDEN
    if isinstance(exc, NotFound):
        return NOT_FOUND
    if isinstance(exc, ConflictError):
        return CONFLICT
    if isinstance(exc, DatabaseUnavailable):
        return DB_UNAVAILABLE
    return ERROR
