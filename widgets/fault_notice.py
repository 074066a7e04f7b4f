"""A database fault in any worker (server gone, file read-only or locked) is one line on
screen and a log entry, not the end of the session: the operator retries once it is fixed."""

from __future__ import annotations

from typing import Any

from textual.app import App

from orderview import logs
from orderview.safetext import visible


def database_fault(app: App[Any], error: BaseException) -> bool:
    """Say ``error`` on screen if it is a database fault (True); False for anything else."""
    from orderview.db import faults

    message = faults.describe(getattr(error, "error", error))
    if message is None:
        return False
    app.notify(visible(message), title="Database", severity="error", markup=False, timeout=10)
    logs.log.warning("database fault: %s", logs.flat(message), exc_info=error)
    return True
