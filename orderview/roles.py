"""Who may do what: the three roles, and the actor every write and export is made by.

The role check lives here and is called by the services (the only writers), so the app, the
command line and commands run over ``orderview serve`` obey one rule, whatever screen or
argument led there. Screens ask the same table (``allows``) only to hide keys the role cannot
use; hiding is a courtesy, the service is the guard.

An ``Actor`` is the operator's name (a ``str``, as the services and the audit trail always took
it) carrying its authority: the role, and under ``orderview serve`` the public key's fingerprint
and the client address the server authenticated. A plain ``str`` actor is a local operator on
their own machine and has the ``role`` setting's authority, which the command line and the app
always pass explicitly; only tests and scripts calling the services directly pass bare names.
"""

from __future__ import annotations

from typing import Literal

from orderview.services.errors import ServiceError

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
DEFAULT_ROLE: Role = "admin"  # one person on their own machine may do everything

# What each action needs. Viewers look, search and read history; exporting is denied to them
# because an export holds the license keys, which are secrets.
NEEDS: dict[str, Role] = {
    "export": "operator",
    "edit_order": "operator",
    "edit_customer": "operator",
    "issue": "operator",
    "create_order": "operator",
    "manage_managers": "operator",
    "resend_invite": "operator",
    "send_mail": "operator",
    "change_license": "operator",
    "delete_order": "admin",
    "grant_distribution": "admin",
}

# How a refusal reads: "viewer: exporting is not allowed".
VERBS: dict[str, str] = {
    "export": "exporting",
    "edit_order": "editing orders",
    "edit_customer": "changing customers",
    "issue": "issuing licenses",
    "create_order": "creating orders",
    "manage_managers": "changing license managers",
    "resend_invite": "resending invites",
    "send_mail": "sending mail",
    "change_license": "changing licenses",
    "delete_order": "deleting orders",
    "grant_distribution": "granting the distribution permissions",
}


class Forbidden(ServiceError):
    """The actor's role does not allow the action. Nothing was read or written for it. (A
    ``ServiceError``: screens and commands show it as the one line it is.)"""

    def __init__(self, role: str, action: str) -> None:
        self.role = role
        self.action = action
        super().__init__(f"{role}: {VERBS.get(action, action)} is not allowed")


class Actor(str):
    """An operator's name with its role and, under ``orderview serve``, how it was proven."""

    role: Role
    fingerprint: str | None
    address: str | None

    def __new__(
        cls,
        name: str,
        role: Role = DEFAULT_ROLE,
        *,
        fingerprint: str | None = None,
        address: str | None = None,
    ) -> Actor:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        actor = super().__new__(cls, name)
        actor.role = role
        actor.fingerprint = fingerprint
        actor.address = address
        return actor

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (str(self), self.role, self.fingerprint, self.address))


def _rebuild(name: str, role: Role, fingerprint: str | None, address: str | None) -> Actor:
    return Actor(name, role, fingerprint=fingerprint, address=address)


def role_of(actor: str) -> Role:
    """The actor's role; a bare name is a local operator (see the module's docstring)."""
    return actor.role if isinstance(actor, Actor) else DEFAULT_ROLE


def rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1


def allows(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action`` (an unknown action is allowed to nobody)."""
    needed = NEEDS.get(action)
    return needed is not None and rank(role) >= rank(needed)


def require(actor: str, action: str) -> None:
    """Raise ``Forbidden`` unless the actor's role allows ``action``."""
    role = role_of(actor)
    if not allows(role, action):
        raise Forbidden(role, action)
