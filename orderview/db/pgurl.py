"""libpq's URL parameters, as operators write them, turned into asyncpg's connect arguments.

SQLAlchemy hands a URL's query to ``asyncpg.connect`` as keyword arguments, and asyncpg has no
``sslmode``, ``connect_timeout`` or ``application_name`` keyword: ``?sslmode=require`` ended
every command in a TypeError traceback. Here each parameter libpq documents for these jobs is
taken out of the query and given to asyncpg the way it understands it:

- the SSL family (``sslmode``, ``sslrootcert``, ``sslcert``, ``sslkey``, ``sslpassword``,
  ``sslcrl``, ``sslnegotiation``, ``ssl_min/max_protocol_version``) as a host-less ``dsn``,
  which asyncpg parses with libpq's meaning (the SSL context, verification, client certificate);
- ``connect_timeout`` (seconds) as ``timeout``;
- ``application_name`` into ``server_settings``; ``dbname`` as the database.

``password``, ``user``, ``host`` and ``port`` keep working as SQLAlchemy passes them; anything
else is refused in one line naming what is understood.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import URL

SSL_PARAMS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
)
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
TRANSLATED = ("connect_timeout", "application_name", "dbname")
# Taken by SQLAlchemy's asyncpg dialect or by asyncpg itself as they are.
PASSED = ("password", "user", "host", "port", "prepared_statement_cache_size")
KNOWN = (*SSL_PARAMS, *TRANSLATED, *PASSED)


class ParameterError(ValueError):
    """A URL parameter orderview cannot pass on (unknown, given twice, or a bad value)."""


def _one(name: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        if len(set(value)) > 1:
            raise ParameterError(f"database URL parameter {name} is given twice")
        value = value[0]
    return value


def connect_args(
    url: URL, timeout: float, server_settings: dict[str, str]
) -> tuple[URL, dict[str, Any]]:
    """The URL without the libpq parameters, and asyncpg's connect arguments for them (our
    ``timeout`` and ``server_settings`` unless the URL says otherwise)."""
    args: dict[str, Any] = {"timeout": timeout, "server_settings": dict(server_settings)}
    ssl: dict[str, str] = {}
    kept: dict[str, str | tuple[str, ...]] = {}
    for name, raw in url.query.items():
        if name in PASSED:
            kept[name] = raw
            continue
        if name not in KNOWN:
            raise ParameterError(
                f"unsupported database URL parameter {name!r} (orderview "
                f"understands {', '.join(KNOWN)})"
            )
        value = _one(name, raw)
        if name in SSL_PARAMS:
            ssl[name] = value
        elif name == "connect_timeout":
            args["timeout"] = _seconds(value)
        elif name == "application_name":
            args["server_settings"]["application_name"] = value
        elif url.database and url.database != value:
            raise ParameterError("the database URL names two databases (path and dbname)")
        else:
            url = url.set(database=value)
    mode = ssl.get("sslmode")
    if mode is not None and mode not in SSL_MODES:
        raise ParameterError(f"sslmode {mode!r} is not one of {', '.join(SSL_MODES)}")
    if ssl:
        args["dsn"] = "postgresql://?" + urlencode(ssl)
    return url.set(query=kept), args


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= 3600:
        raise ParameterError(
            f"connect_timeout {value[:20]!r} is not a number of seconds above 0 and at most 3600"
        )
    return seconds
