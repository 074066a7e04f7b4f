"""The SMTP server refusing or timing out (down is tests/test_managers_service.py:
test_smtp_down_then_up_fails_records_reason_retries_and_sends): the invite stays queued with the
reason recorded, nothing is lost (the body waits for the retry), and it goes once a server
answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from orderview.db.models import MailOutbox
from orderview.mail import delivery, outbox
from orderview.services import managers
from tests import factories
from tests.smtp_capture import SMTPServer


@asynccontextmanager
async def bad_server(mode: str) -> AsyncIterator[int]:
    """``silent``: accepts and never says a word; ``refuse``: 554 at the greeting."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if mode == "refuse":
            writer.write(b"554 5.7.1 no service for you\r\n")
            await writer.drain()
            writer.close()
            return
        await reader.read()  # silence until the client gives up

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@pytest.mark.parametrize(("mode", "reason"), [("silent", "timed out"), ("refuse", "554")])
async def test_refusing_or_silent_server_then_a_working_one(db, mode: str, reason: str) -> None:
    good = SMTPServer()
    order_id = await factories.add_order(db)
    async with bad_server(mode) as port:
        settings = good.settings(smtp_port=port, smtp_timeout=0.5)
        await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")
        t0 = outbox.now_utc()
        started = time.monotonic()
        [failed] = await delivery.deliver_due(db, settings, now=t0)
        assert time.monotonic() - started < 5  # the timeout setting bounds the wait
    assert not failed.ok and reason in failed.error and "\n" not in failed.error
    async with db.sessions() as s:
        [row] = list(await s.scalars(select(MailOutbox)))
    assert row.status == "failed" and row.attempts == 1 and reason in row.last_error
    assert "Initial password" in row.body  # kept for the retry: nothing lost
    good.start()
    try:
        [sent] = await delivery.deliver_due(db, good.settings(), now=t0 + timedelta(seconds=31))
        assert sent.ok
        assert [m.envelope_to for m in good.received] == [["m@example.com"]]
    finally:
        good.stop()


async def test_a_message_that_cannot_be_built_is_a_recorded_failure(db) -> None:
    """Defence behind the settings' own check: if a message cannot even be built (a sender
    with CR LF, from settings made without validation), the invite is recorded as failed
    with the reason and kept for the retry; the delivery does not raise (it stopped the
    background delivery before)."""
    good = SMTPServer()
    order_id = await factories.add_order(db)
    settings = good.settings()
    await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")
    broken = settings.model_copy(update={"mail_from": "x@example.com\r\nBcc: evil@example.com"})
    t0 = outbox.now_utc()
    [failed] = await delivery.deliver_due(db, broken, now=t0)
    assert not failed.ok and failed.error and "\n" not in failed.error
    async with db.sessions() as s:
        [row] = list(await s.scalars(select(MailOutbox)))
    assert row.status == "failed" and "Initial password" in row.body
    good.start()
    try:
        [sent] = await delivery.deliver_due(db, good.settings(), now=t0 + timedelta(seconds=31))
        assert sent.ok and [m.envelope_to for m in good.received] == [["m@example.com"]]
    finally:
        good.stop()
