"""Exactly one delivery per invite: a slow mail server, the app's background sender and
``orderview outbox send`` at once (issue 16, section 5), on SQLite and PostgreSQL.

The fault: a batch was claimed under one lease and sent message after message; the lease of
the batch's tail ran out while its head was still being sent, a second sender claimed the
tail, and both sent it. The lease is shortened here (it is at least 60 s in use) so the test
takes seconds; the server's delay stays well inside one message's share of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from orderview.cli import outbox_cmd
from orderview.cli.context import Context
from orderview.db.engine import open_database
from orderview.db.models import MailAttempt, MailOutbox
from orderview.mail import delivery, outbox
from orderview.mail.background import BackgroundSender
from orderview.services import managers, passwords
from tests import factories
from tests.smtp_capture import CaptureHandler, SMTPServer

LEASE = 2.0  # seconds a claim lasts here
DELAY = 0.3  # seconds the server takes to accept each message
INVITES = 10  # one batch of these takes longer than a lease


class SlowHandler(CaptureHandler):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(DELAY)
        return await super().handle_DATA(server, session, envelope)


async def _outbox_send(ctx: Context) -> int:
    parser = argparse.ArgumentParser(prog="orderview")
    outbox_cmd.register(
        parser, parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False)
    )
    args = parser.parse_args(["outbox", "send"])
    return await args.handler(args, ctx)


async def _unsent(db) -> int:
    async with db.sessions() as s:
        return (
            await s.scalar(select(func.count(MailOutbox.id)).where(MailOutbox.status != "sent"))
            or 0
        )


async def test_two_senders_and_a_slow_server_deliver_each_invite_once(db, db_url, monkeypatch):
    monkeypatch.setattr(outbox, "lease", lambda _settings: timedelta(seconds=LEASE))
    server = SMTPServer()
    server.handler = SlowHandler()
    server.start()
    settings = server.settings()
    order_id = await factories.add_order(db, store_id="ORD-ONCE")
    for n in range(INVITES):
        await managers.add_manager(
            db, settings, order_id, {"email": f"m{n}@example.com"}, actor="desk"
        )
    app_db, cli_db = open_database(db_url), open_database(db_url)  # two processes' worth
    background = BackgroundSender(app_db, settings, on_change=lambda _results: None, idle_poll=0.2)
    app_task = asyncio.create_task(background.run())
    try:
        await asyncio.sleep(LEASE + 0.3)  # the app has been sending for longer than a lease
        await _outbox_send(Context(settings, "cron", cli_db))
        for _ in range(300):  # until every invite is out (or the test gives up)
            if await _unsent(db) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        app_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app_task
        await app_db.dispose()
        await cli_db.dispose()
        server.stop()

    delivered = Counter(r.envelope_to[0] for r in server.received)
    assert delivered == Counter({f"m{n}@example.com": 1 for n in range(INVITES)})
    async with db.sessions() as s:
        rows = list(await s.scalars(select(MailOutbox)))
        attempts = await s.scalar(select(func.count(MailAttempt.id)))
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert attempts == INVITES
    # A sent message is never claimed again, however late the next run.
    received = len(server.received)
    assert await delivery.deliver_due(db, settings, now=outbox.now_utc() + timedelta(days=2)) == []
    assert len(server.received) == received
    # Each received password is the one its manager can sign in with: none was replaced by
    # a second delivery.
    for received in server.received:
        person = await managers_person(db, received.envelope_to[0])
        assert passwords.verify_password(person.password_hash, received.password)


async def managers_person(db, email):
    from orderview.db.models import LicenseManager

    async with db.sessions() as s:
        return (
            await s.scalars(select(LicenseManager).where(LicenseManager.email_lc == email))
        ).one()
