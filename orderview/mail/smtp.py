"""Delivering one message over SMTP with aiosmtplib, configured by the settings."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from orderview.safetext import visible
from orderview.settings import Settings

NO_SERVER = "no mail server configured"


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_host.strip())


async def send(settings: Settings, message: EmailMessage) -> None:
    """Send or raise; the caller turns the exception into a recorded failure reason."""
    if not mail_configured(settings):
        raise RuntimeError(NO_SERVER)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=password if settings.smtp_username else None,
        use_tls=settings.smtp_security == "tls",
        start_tls=settings.smtp_security == "starttls",
        timeout=settings.smtp_timeout,
    )


def failure_reason(exc: BaseException) -> str:
    """One short line saying why a delivery failed (what the operator sees)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError):
        text = f"timed out ({text})"
    return visible(text, 300)
