"""Mail for license manager invites: compose, queue in the outbox, deliver over SMTP.

The outbox row is written in the same transaction as the manager it announces; a sender (the
app's background task or ``orderview outbox send``) delivers due rows, records each attempt and
retries failures with backoff. The body holds an initial password until it is sent, then it is
scrubbed. Nothing here imports Textual or Rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orderview.settings import Settings

NO_SERVER = "no mail server configured"


def mail_configured(settings: Settings) -> bool:
    """Whether a mail server is set. Here, not in ``smtp``, so the app, the outbox and the
    License manager tab can ask without importing aiosmtplib (start-up)."""
    return bool(settings.smtp_host and settings.smtp_host.strip())
