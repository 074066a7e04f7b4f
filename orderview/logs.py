"""The log file: what a support desk reads after the fact, never the operator's screen.

One rotating file in the user log directory (platformdirs ``user_log_dir``:
``~/.local/state/orderview/log/orderview.log`` on Linux, ``~/Library/Logs/orderview`` on macOS),
created 0600. It holds start and stop, the database target (secrets masked:
``orderview.redact``), every write the app makes (who, what, which order: from the audit
record, once committed), mail deliveries, and errors with their tracebacks. ``--log-level`` (or ``ORDERVIEW_LOG_LEVEL``) sets how much.

Standard library only (the core and the command line import it). If the file cannot be opened
(read-only home, full disk) the app runs without it: a log must never stop an operator.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from orderview.redact import mask_secrets

LOGGER = "orderview"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LEVEL = "INFO"
MAX_BYTES = 1_000_000
BACKUPS = 3

log = logging.getLogger(LOGGER)
_handler: logging.Handler | None = None


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("orderview"))


def log_path() -> Path:
    return log_dir() / "orderview.log"


class _PrivateRotatingHandler(RotatingFileHandler):
    """Rotating file handler whose files are created 0600 (they name customers and hosts)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup(level: str | None = None) -> Path | None:
    """Send the ``orderview`` logger to the log file at ``level`` (default: the environment's
    ``ORDERVIEW_LOG_LEVEL``, else INFO); the file's path, or None if it cannot be written."""
    global _handler
    name = (level or os.environ.get("ORDERVIEW_LOG_LEVEL") or DEFAULT_LEVEL).upper()
    log.setLevel(name if name in LEVELS else DEFAULT_LEVEL)
    log.propagate = False  # never to stderr: the operator's screen is not the log
    path = log_path()
    if _handler is not None:
        if getattr(_handler, "baseFilename", None) == str(path):
            return path
        log.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _PrivateRotatingHandler(
            path,
            maxBytes=MAX_BYTES,
            backupCount=BACKUPS,
            encoding="utf-8",
            errors="backslashreplace",
        )
    except OSError:
        _handler = logging.NullHandler()
        log.addHandler(_handler)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    _handler = handler
    log.addHandler(handler)
    return path


def flat(value: object) -> str:
    """One log line per event: controls (a newline in a customer name) shown as stand-ins."""
    from orderview.safetext import visible

    return visible(value, 300)


def started(argv: list[str]) -> None:
    from orderview import __version__

    log.info(
        "start orderview %s (Python %s) argv=%s",
        __version__,
        sys.version.split()[0],
        flat(mask_secrets(" ".join(argv))),
    )


def stopped(code: int) -> None:
    log.info("stop exit=%d", code)


def database(target: str) -> None:
    log.info("database %s", flat(mask_secrets(target)))


def crashed(exc: BaseException) -> None:
    log.error(
        "crash: %s",
        flat(f"{type(exc).__name__}: {exc}"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def crash_line(path: Path | None) -> str:
    """The one line the operator sees instead of a traceback."""
    where = f"the details are in {path}" if path is not None else "no log file could be written"
    return f"orderview: internal error; {where}"


__all__ = [
    "LEVELS",
    "crash_line",
    "crashed",
    "database",
    "flat",
    "log",
    "log_path",
    "setup",
    "started",
    "stopped",
]
