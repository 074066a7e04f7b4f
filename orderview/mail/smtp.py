"""Delivering one message over SMTP with aiosmtplib, configured by the settings."""

from __future__ import annotations

import re
import socket
from email.message import EmailMessage

import aiosmtplib

from orderview.mail import NO_SERVER as NO_SERVER  # re-exported for its callers
from orderview.mail import mail_configured as mail_configured
from orderview.safetext import visible
from orderview.settings import Settings


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


_CONNECTING = re.compile(r"^Error connecting to (?P<host>.+?) on port (?P<port>\d+)")


def _connect_reason(exc: BaseException) -> str | None:
    """``connection refused (host:port)`` rather than aiosmtplib's two-clause sentence, so
    the reason fits the managers tab's invite column."""
    match = _CONNECTING.match(str(exc))
    if not isinstance(exc, aiosmtplib.SMTPConnectError) or match is None:
        return None
    where = f"{match['host']}:{match['port']}"
    cause = exc.__cause__
    if isinstance(cause, ConnectionRefusedError):
        return f"connection refused ({where})"
    if isinstance(cause, socket.gaierror):
        return f"unknown mail server host ({where})"
    if isinstance(cause, TimeoutError):
        return f"timed out connecting ({where})"
    return None


def failure_reason(exc: BaseException) -> str:
    """One short line saying why a delivery failed (what the operator sees)."""
    short = _connect_reason(exc)
    if short is not None:
        return visible(short, 300)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError):
        text = f"timed out ({text})"
    return visible(text, 300)
