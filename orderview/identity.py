"""Who is operating: --operator, else ORDERVIEW_OPERATOR, else the login name (+ SSH client).

The name goes into every audit event and onto the screen, so it is checked like any input: an
operator given by flag, variable or config file with control characters, bidi controls or
bytes that are not UTF-8 is refused (``operator_problem``); a login name taken from the
environment is made safe instead, since the operator cannot fix it.
"""

from __future__ import annotations

import getpass
import os

from orderview.roles import Actor, Role
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


_fixed: Actor | None = None


def fix_actor(actor: Actor) -> None:
    """Decide who acts for the rest of this process, once: ``orderview serve`` calls it in
    each session's process with the operator its key proved, before any argument, variable
    or config file is read, so none of them (``--operator``, ``ORDERVIEW_OPERATOR``, the
    ``role`` setting) can change it."""
    global _fixed
    if _fixed is not None and _fixed != actor:
        raise RuntimeError("the operator of this process is decided already")
    _fixed = actor


def fixed_actor() -> Actor | None:
    return _fixed


def current_actor(flag: str | None, setting: str | None, role: Role) -> Actor:
    """The one who acts: the server-proven operator if there is one, else the local operator
    (``--operator``, ``ORDERVIEW_OPERATOR``, the login name) with the ``role`` setting."""
    if _fixed is not None:
        return _fixed
    return Actor(resolve_operator(flag, setting), role)
