"""One honest line about an invite's fate, for the manager tab and the command line."""

from __future__ import annotations

from datetime import datetime

from orderview.mail import NO_SERVER
from orderview.mail.composer import KIND_ADDED
from orderview.mail.outbox import MAX_ATTEMPTS
from orderview.services.views import ManagerView

# No password exists until then: it is made when the invite is sent (docs/managers.md).
WAITS = f"waits for a mail server ({NO_SERVER})"


def _at(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "?"


def invite_status(view: ManagerView, mail_configured: bool) -> str:
    """``queued — waits for a mail server``, ``sent 2026-01-15 09:30 UTC``, ``failed: …``,
    ``expired …``."""
    status = view.invite_status
    if status is None:
        return "not invited"
    what = "notice " if view.invite_kind == KIND_ADDED else ""
    if status == "queued":
        return f"{what}queued" + ("" if mail_configured else f" — {WAITS}")
    if status == "sent":
        return f"{what}sent {_at(view.invite_at)}"
    if status == "failed":
        reason = view.invite_error or "unknown error"
        if view.invite_attempts >= MAX_ATTEMPTS:
            return f"{what}failed: {reason} (gave up; r resends)"
        if not mail_configured:
            return f"{what}failed: {reason} — {NO_SERVER}"
        return f"{what}failed: {reason} (retry {_at(view.invite_next_at)[11:]})"
    if status == "expired":
        return f"{what}expired: {view.invite_error or 'not delivered in time'} (r resends)"
    return f"{what}{status}"
