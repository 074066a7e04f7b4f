"""Secrets out of every line we print: the one masking function for messages and log lines.

A database URL may carry its password in the user-info part (``postgresql://u:pw@host/db``)
or as a query parameter (``?password=…``, ``sslpassword=…``), and an error line quotes the URL
(``cannot use database …``, ``malformed database URL …``). ``mask_secrets`` replaces every such
value in any text with ``***``, wherever in the line the URL sits; the CLI's error line
(``orderview.cli.errors.CLIError``), ``Database.display``, database fault lines
(``orderview.db.faults``) and settings errors go through it. Standard library only: the light
start imports it.
"""

from __future__ import annotations

import re

MASK = "***"
# Parameter names whose value is a secret (or names one, as sslkey names the private key):
# libpq's password/sslpassword/sslkey, and the usual token/secret/passphrase spellings.
_SECRET_NAME = re.compile(
    r"pass|pwd|secret|token|sslkey|api_?key|private_?key|credential", re.IGNORECASE
)
# scheme://user:password@host — the password runs to the last "@" of the URL's token, so a
# password with an unencoded "@" or "/" is masked whole (the host may be masked with it).
_USERINFO = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@'\"<>]*):(?P<secret>[^\s'\"<>]*)@"
)
# name=value, as in a URL's query (?password=…&…) or a libpq connection string.
# A value ends at a separator, or at the ": " that follows a URL in our lines.
_PARAM = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)="
    r"(?P<value>'[^']*'|[^\s&;,#'\"<>)]*?(?=:\s|:$|[\s&;,#'\"<>)]|$))"
)


def _param(match: re.Match[str]) -> str:
    name = match.group("name")
    if not _SECRET_NAME.search(name) or match.group("value") in ("", MASK):
        return match.group(0)
    return f"{name}={MASK}"


def _userinfo(match: re.Match[str]) -> str:
    return f"{match.group('head')}:{MASK}@"


def mask_secrets(text: str) -> str:
    """``text`` with the password of every URL and the value of every secret parameter
    (``password=``, ``sslpassword=``, ``sslkey=``, ``…token=``) replaced by ``***``."""
    if "=" not in text and "@" not in text:
        return text  # nothing to mask: the common case costs two scans
    return _PARAM.sub(_param, _USERINFO.sub(_userinfo, text))


__all__ = ["MASK", "mask_secrets"]
