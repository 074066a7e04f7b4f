"""A database fault in any worker (server gone, file read-only or locked) is one line on
screen and a log entry, not the end of the session: the operator retries once it is fixed.
What the database says at the start (read-only, open to others) is one notice each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from orderview import logs
from orderview.safetext import visible

if TYPE_CHECKING:
    from orderview.db.engine import Database


def database_fault(app: App[Any], error: BaseException) -> bool:
    """Say ``error`` on screen if it is a database fault (True); False for anything else."""
    from orderview.db import faults

    message = faults.describe(getattr(error, "error", error))
    if message is None:
        return False
    app.notify(visible(message), title="Database", severity="error", markup=False, timeout=10)
    logs.log.warning("database fault: %s", logs.flat(message), exc_info=error)
    return True


def announce(app: App[Any], db: Database) -> None:
    """One line each: changes are off (a read-only database), the file is open to others."""
    from orderview.services.errors import READ_ONLY

    for line in ([f"{READ_ONLY} ({db.read_only})"] if db.read_only else []) + [*db.warnings]:
        app.notify(visible(line), title="Database", severity="warning", markup=False, timeout=15)
