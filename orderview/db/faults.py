"""Database faults as one line an operator can act on, instead of a traceback.

A read-only SQLite file, a lock held past the busy timeout, a full disk or a PostgreSQL server
that went away are not bugs: the operator should read what happened, keep working and retry once
it is fixed. The engine's ``handle_error`` hook turns those driver errors into
``DatabaseUnavailable`` (a ``ServiceError``, which every dialog already shows as "Not saved:
..."), connect-time ``OSError`` and timeouts included; ``describe()`` gives the line for any
database error that reaches the app some other way. Constraint violations (``IntegrityError``) are left alone: services
handle them as field errors. SQL parameters never appear in the message (an invite carries a
password).
"""

from __future__ import annotations

import ssl
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from orderview.redact import mask_secrets
from orderview.services.errors import DatabaseUnavailable

_DISK_FULL = "the disk holding the database is full; free space, then try again"
_SQLITE = (
    ("readonly", "the database file is read-only (ask for write access, then try again)"),
    ("read-only", "the database file is read-only (ask for write access, then try again)"),
    ("database is locked", "the database is locked by another program for too long; try again"),
    ("busy", "the database is locked by another program for too long; try again"),
    ("disk is full", _DISK_FULL),
    # PostgreSQL (SQLSTATE 53100) out of space for a table or its write-ahead log.
    ("no space left on device", _DISK_FULL),
    ("could not extend file", _DISK_FULL),
    ("disk i/o error", "the disk holding the database failed to read or write; try again"),
    ("unable to open", "the database file cannot be opened (missing or no permission)"),
    # PostgreSQL's lock_timeout (orderview/db/engine.py): another session holds the row.
    ("lock timeout", "another desk is changing the same record right now; try again"),
)
_UNREACHABLE = "the database server cannot be reached; try again when it is back"
SSL_FILES = ("sslrootcert=", "sslcert=", "sslkey=", "sslcrl=")
_NO_SSL = (
    "the database server does not support SSL, but the URL's sslmode requires it (use "
    "sslmode=prefer or disable, or turn SSL on at the server)"
)


# Said when SQLite has already ended the transaction (see ``_translate``).
_TRANSACTION_ENDED = ("no such savepoint", "no transaction is active")
_ENDED = (
    "the database ended the transaction (the disk may be full or failing); nothing was "
    "saved; try again"
)
LAST_FAULT = "orderview_last_fault"  # in the connection's info: the reason for the above


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = mask_secrets(str(orig)).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _ssl_fault(exc: BaseException, names_files: bool = False) -> str | None:
    """SSL asked for by the URL (``sslmode``, ``sslrootcert``, …) and not possible: say so,
    instead of "cannot be reached" for a server that answered."""
    text = _first_line(exc)
    if "rejected ssl upgrade" in text.lower():
        return _NO_SSL
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the database server's certificate could not be verified "
            f"({exc.verify_message or text}); check sslrootcert and sslmode"
        )
    if isinstance(exc, ssl.SSLError):
        return f"the SSL connection to the database server failed ({text})"
    if names_files and isinstance(exc, FileNotFoundError | PermissionError):
        return (
            "a certificate or key file the database URL names (sslrootcert, sslcert, "
            f"sslkey) cannot be read: {(exc.strerror or text).lower()}"
        )
    if any(word in text.lower() for word in ("certificate", "ssl")):
        return f"the database URL's SSL settings cannot be used ({text[:200]})"
    return None


def _fault(exc: BaseException, disconnect: bool = False) -> str | None:
    """The line for an environmental fault (file, lock, disk, network); None for anything
    else, such as a missing table, which callers may expect and handle themselves."""
    if isinstance(exc, IntegrityError):
        return None
    if isinstance(exc, DBAPIError):
        text = _first_line(exc).lower()
        # The driver's own refusals before any SQL (asyncpg's ClientConfigurationError for
        # an SSL setting it cannot use): not a table or column that happens to say "ssl".
        if (
            isinstance(exc, InterfaceError)
            and exc.orig is not None
            and (ssl_line := _ssl_fault(exc.orig))
        ):
            return ssl_line
        for needle, message in _SQLITE:
            if needle in text:
                return message
        if (
            disconnect
            or exc.connection_invalidated
            or isinstance(exc, InterfaceError)
            or any(word in text for word in ("connect", "closed", "terminat", "refused", "reset"))
        ):
            return _UNREACHABLE
        return None
    if isinstance(exc, ConnectionError | TimeoutError):
        return _UNREACHABLE
    if isinstance(exc, OSError) and exc.errno is not None:
        return _UNREACHABLE
    return None


def describe(exc: BaseException) -> str | None:
    """The operator's line for a database fault, or None if ``exc`` is not one. A bare
    ``OSError`` is not assumed to be the database's (a file write fails the same way)."""
    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    if not isinstance(exc, DBAPIError):
        return None
    message = _fault(exc)
    if message is None and isinstance(exc, OperationalError):
        return f"the database refused the operation ({_first_line(exc)[:120]}); try again"
    return message


def _translate(context: Any) -> BaseException | None:
    if context.is_pre_ping:
        # The pool's check of an idle connection (after a server restart): leave it to the
        # pool, which reconnects on a disconnect. Raising here failed the operator's first
        # action after every restart with "cannot be reached" while the server was up.
        return None
    exc = context.sqlalchemy_exception or context.original_exception
    info = context.connection.info if context.connection is not None else {}
    if isinstance(exc, DBAPIError) and any(
        ended in _first_line(exc).lower() for ended in _TRANSACTION_ENDED
    ):
        # SQLite rolls the whole transaction back itself on a full disk or an I/O error, so
        # undoing the savepoint (issuing's chunks) then fails: the fault just seen is the
        # reason, not "no such savepoint" (which was a traceback).
        return DatabaseUnavailable(info.pop(LAST_FAULT, None) or _ENDED)
    message = _fault(exc, disconnect=context.is_disconnect)
    if message is None:
        return None
    info[LAST_FAULT] = message
    return DatabaseUnavailable(message)


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Connecting: a refused or timed-out connection (a raw ``OSError`` from asyncpg, which
    ``handle_error`` never sees) becomes the same line."""
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as exc:
        files = any(name in str(cparams.get("dsn", "")) for name in SSL_FILES)
        raise DatabaseUnavailable(_ssl_fault(exc, files) or _fault(exc) or _UNREACHABLE) from exc


def install(engine: AsyncEngine) -> None:
    """Translate faults on this engine (connect-time errors included) into
    ``DatabaseUnavailable``."""
    event.listen(engine.sync_engine, "handle_error", _translate)
    event.listen(engine.sync_engine, "do_connect", _connect)
