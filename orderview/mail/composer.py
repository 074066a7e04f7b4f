"""Plain-text invite and notice emails.

Every interpolated value goes through ``safetext.visible`` so a hostile name cannot smuggle
terminal escapes into a mail reader, and subjects are single-line so no header can be injected.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from orderview.permissions import PERMISSION_BY_CODE
from orderview.safetext import visible

KIND_INVITE = "manager_invite"
KIND_ADDED = "manager_added"
# Where the stored copy of an invite shows the password: the password itself is made at
# sending time and exists only in the message that goes out (docs/managers.md, Passwords).
PASSWORD_AT_SENDING = "(made when this email is sent)"
PASSWORD_NOT_STORED = "(sent by email only; never stored)"


@dataclass(frozen=True, slots=True)
class Composed:
    kind: str
    subject: str
    body: str


def _one_line(value: str, limit: int = 200) -> str:
    return visible(" ".join(value.split()), limit)


def _permission_lines(permissions: list[str]) -> str:
    if not permissions:
        return "  (none yet)"
    return "\n".join(
        f"  - {PERMISSION_BY_CODE[c].label}: {PERMISSION_BY_CODE[c].meaning}" for c in permissions
    )


def _greeting(first_name: str) -> str:
    name = _one_line(first_name, 100)
    return f"Hello {name}," if name else "Hello,"


def invite(
    *,
    email: str,
    first_name: str,
    password: str,
    portal_url: str,
    store_id: str,
    permissions: list[str],
) -> Composed:
    """The invite: login email, initial password, portal URL, the order."""
    order = _one_line(store_id, 100)
    body = f"""{_greeting(first_name)}

you have been made a license manager for order {order}.

Sign in to the user portal:

  Portal:            {visible(portal_url, 300)}
  Login email:       {visible(email, 254)}
  Initial password:  {password}

You must change this password when you first sign in.

On order {order} you may:
{_permission_lines(permissions)}

If you did not expect this email, ignore it.
"""
    return Composed(KIND_INVITE, f"Your license manager access for order {order}", body)


def added_notice(
    *, email: str, first_name: str, portal_url: str, store_id: str, permissions: list[str]
) -> Composed:
    """For a person who already has portal access: no password, their own still works."""
    order = _one_line(store_id, 100)
    body = f"""{_greeting(first_name)}

you have been made a license manager for order {order}.

Sign in to the user portal with your existing login ({visible(email, 254)}) and password:

  Portal:  {visible(portal_url, 300)}

On order {order} you may:
{_permission_lines(permissions)}
"""
    return Composed(KIND_ADDED, f"You now manage order {order}", body)


def build_message(mail_from: str, to_address: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to_address
    message["Subject"] = _one_line(subject, 300)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(mail_from)[1].rpartition("@")[2] or None)
    message.set_content(body)
    return message
