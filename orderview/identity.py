"""Who is operating: --operator, else ORDERVIEW_OPERATOR, else the login name (+ SSH client).

The name goes into every audit event and onto the screen, so it is checked like any input: an
operator given by flag, variable or config file with control characters, bidi controls or
bytes that are not UTF-8 is refused (``operator_problem``); a login name taken from the
environment is made safe instead, since the operator cannot fix it.
"""

from __future__ import annotations

import getpass
import os

from orderview.safetext import unsafe_problem, visible, without_surrogates

MAX_OPERATOR = 100


def operator_problem(name: str) -> str | None:
    """Why ``name`` cannot be the operator, or None. (A lone surrogate is what non-UTF-8
    command-line or environment bytes become: no database can store it.)"""
    problem = unsafe_problem(name)
    if problem:
        return problem
    if len(name) > MAX_OPERATOR:
        return f"at most {MAX_OPERATOR} characters"
    return None


def default_operator() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "unknown"
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    name = f"{name}@{ssh[0]}" if ssh else name
    return visible(without_surrogates(name), max_length=MAX_OPERATOR)


def resolve_operator(flag: str | None, setting: str | None) -> str:
    for candidate in (flag, setting):
        if candidate and candidate.strip():
            return candidate.strip()
    return default_operator()
