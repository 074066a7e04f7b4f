"""Who is operating: --operator, else ORDERVIEW_OPERATOR, else the login name (+ SSH client)."""

from __future__ import annotations

import getpass
import os


def default_operator() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "unknown"
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    return f"{name}@{ssh[0]}" if ssh else name


def resolve_operator(flag: str | None, setting: str | None) -> str:
    for candidate in (flag, setting):
        if candidate and candidate.strip():
            return candidate.strip()
    return default_operator()
