"""Invites say what is true when they are sent, carry a password only while being sent, expire,
and never reset the login of someone who has one (issue 15 invites, issue 16 section 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from orderview.db.migrate import HEAD, _alembic_config, current_revision, upgrade
from orderview.db.models import AuditEvent, LicenseManager, MailOutbox
from orderview.mail import composer, delivery, outbox
from orderview.mail.status import invite_status
from orderview.permissions import PERMISSION_BY_CODE
from orderview.services import manager_invites, managers, passwords
from orderview.services.orders import get_order
from orderview.settings import Settings
from tests import factories
from tests.smtp_capture import SMTPServer


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


async def _rows(db, model, *where):
    async with db.sessions() as s:
        return list(await s.scalars(select(model).where(*where).order_by(model.id)))


async def _person(db, email_lc):
    return (await _rows(db, LicenseManager, LicenseManager.email_lc == email_lc))[0]


def _label(code: str) -> str:
    return PERMISSION_BY_CODE[code].label


async def test_invite_queued_without_mail_server_lists_the_permissions_it_is_sent_with(db, smtp):
    """Queued while no mail server was configured, then distribution permissions ticked on the
    enterprise plan: the mail delivered later says what the manager holds then."""
    no_mail = smtp.settings(smtp_host=None, plan="enterprise")
    order_id = await factories.add_order(db, store_id="ORD-E")
    added = await managers.add_manager(
        db,
        no_mail,
        order_id,
        {"email": "e@example.com", "permissions": ["reset_device"]},
        actor="alice",
    )
    await managers.update_permissions(
        db,
        no_mail,
        added.assignment_id,
        ["reset_device", "create_order", "issue_license"],
        version=1,
        actor="alice",
    )

    [result] = await delivery.deliver_due(db, smtp.settings(plan="enterprise"))
    assert result.ok
    [mail] = smtp.received
    for code in ("reset_device", "create_order", "issue_license"):
        assert _label(code) in mail.body
    password = mail.password
    [row] = await _rows(db, MailOutbox)
    assert row.status == "sent" and password not in row.body
    assert _label("issue_license") in row.body  # the record says what was sent...
    assert f"Initial password:  {composer.PASSWORD_NOT_STORED}" in row.body  # ...but that
    person = await _person(db, "e@example.com")
    assert passwords.verify_password(person.password_hash, password)
    for event in await _rows(db, AuditEvent):
        assert password not in str(event.changes) + str(event.snapshot) + event.summary


async def test_a_notice_lists_the_permissions_held_when_it_is_sent(db, smtp):
    enterprise = smtp.settings(plan="enterprise")
    first = await factories.add_order(db, store_id="ORD-A")
    second = await factories.add_order(db, store_id="ORD-B")
    await managers.add_manager(db, enterprise, first, {"email": "n@example.com"}, actor="a")
    await delivery.deliver_due(db, enterprise)
    added = await managers.add_manager(
        db,
        smtp.settings(smtp_host=None, plan="enterprise"),
        second,
        {"email": "n@example.com", "permissions": []},
        actor="a",
    )
    assert added.mail_kind == composer.KIND_ADDED
    await managers.update_permissions(
        db, enterprise, added.assignment_id, ["borrow_license"], version=1, actor="a"
    )
    await delivery.deliver_due(db, enterprise)
    notice = smtp.received[-1]
    assert "ORD-B" in notice.message["Subject"] and _label("borrow_license") in notice.body
    assert "(none yet)" not in notice.body and "Initial password" not in notice.body


@pytest.mark.parametrize("hash_known", [True, False], ids=["hash-here", "login-elsewhere"])
async def test_adding_someone_who_has_signed_in_sends_a_notice_and_keeps_their_login(
    db, smtp, hash_known
):
    """docs/managers.md: an existing person gets an "added to order" notice, no new password.
    A person whose first login is done keeps it, whether or not this database holds their
    password's hash (the demo's signed-in managers had none and were reset)."""
    settings = smtp.settings()
    first = await factories.add_order(db, store_id="ORD-A")
    second = await factories.add_order(db, store_id="ORD-B")
    await managers.add_manager(db, settings, first, {"email": "s@example.com"}, actor="a")
    await delivery.deliver_due(db, settings)
    own_password = smtp.received[0].password
    async with db.sessions.begin() as s:  # they signed in and chose their own password
        person = (await s.scalars(select(LicenseManager))).one()
        person.password_hash = await passwords.hash_password("their own") if hash_known else None
        person.is_initial_password = False
        person.version += 1
    before = await _person(db, "s@example.com")

    result = await managers.add_manager(db, settings, second, {"email": "S@example.com"}, actor="b")
    assert result.linked_existing and result.mail_kind == composer.KIND_ADDED
    await delivery.deliver_due(db, settings)
    notice = smtp.received[-1]
    assert "ORD-B" in notice.message["Subject"] and "existing login" in notice.body
    assert "Initial password" not in notice.body and own_password not in notice.body
    after = await _person(db, "s@example.com")
    assert (after.password_hash, after.is_initial_password, after.version) == (
        before.password_hash,
        False,
        before.version,
    )
    [view] = [m for m in (await get_order(db, second)).managers]
    assert invite_status(view, True).startswith("notice sent ")


async def test_an_invite_to_someone_who_signed_in_before_it_went_out_becomes_a_notice(db, smtp):
    """Composed at sending time: a login done meanwhile is never reset by a late invite."""
    order_id = await factories.add_order(db, store_id="ORD-L")
    await managers.add_manager(
        db, smtp.settings(smtp_host=None), order_id, {"email": "late@example.com"}, actor="a"
    )
    signed_in = await passwords.hash_password("chosen")
    async with db.sessions.begin() as s:
        person = (await s.scalars(select(LicenseManager))).one()
        person.password_hash, person.is_initial_password = signed_in, False
    await delivery.deliver_due(db, smtp.settings())
    [mail] = smtp.received
    assert "Initial password" not in mail.body and "existing login" in mail.body
    person = await _person(db, "late@example.com")
    assert person.password_hash == signed_in and not person.is_initial_password
    [row] = await _rows(db, MailOutbox)
    assert (row.kind, row.status) == (composer.KIND_ADDED, "sent")


async def test_no_password_exists_until_a_mail_server_sends_the_invite(db, smtp):
    """Without a mail server nothing is stored; configured two days later, the invite is sent
    (its expiry clock starts when it can be sent) with a password made then."""
    order_id = await factories.add_order(db, store_id="ORD-W")
    await managers.add_manager(
        db, smtp.settings(smtp_host=None), order_id, {"email": "w@example.com"}, actor="a"
    )
    [queued] = await _rows(db, MailOutbox)
    assert queued.expires_at is None and "(made when this email is sent)" in queued.body
    assert (await _person(db, "w@example.com")).password_hash is None
    later = outbox.now_utc() + timedelta(days=2)
    [sent] = await delivery.deliver_due(db, smtp.settings(), now=later)
    assert sent.ok and sent.status == "sent"
    person = await _person(db, "w@example.com")
    assert passwords.verify_password(person.password_hash, smtp.received[0].password)
    [row] = await _rows(db, MailOutbox)
    assert row.expires_at == later + timedelta(hours=24)


async def test_an_undelivered_invite_expires_and_r_resend_issues_a_new_password(db, smtp):
    settings = smtp.settings(invite_expiry_hours=2)
    order_id = await factories.add_order(db, store_id="ORD-X")
    added = await managers.add_manager(
        db, settings, order_id, {"email": "x@example.com"}, actor="alice"
    )
    [queued] = await _rows(db, MailOutbox)
    assert queued.expires_at == queued.created_at + timedelta(hours=2)

    async def refused(_settings, _message):
        raise ConnectionRefusedError("refused")

    t0 = outbox.now_utc()
    [failed] = await delivery.deliver_due(db, settings, now=t0, sender=refused)
    assert failed.status == "failed"
    assert (await _person(db, "x@example.com")).password_hash is not None  # made, never sent
    [expired] = await delivery.deliver_due(
        db, settings, now=t0 + timedelta(hours=3), sender=refused
    )
    assert (expired.status, expired.ok) == ("expired", False)
    [row] = await _rows(db, MailOutbox)
    assert row.status == "expired" and row.body == outbox.SCRUBBED
    assert row.last_error == "not delivered within 2 h"
    person = await _person(db, "x@example.com")
    assert person.password_hash is None and person.is_initial_password  # forgotten
    event = (await _rows(db, AuditEvent))[-1]
    assert event.action == "invite_expired" and event.entity_id == added.assignment_id
    assert event.changes["password"] == ["(initial password)", None]
    [view] = (await get_order(db, order_id)).managers
    assert invite_status(view, True) == "expired: not delivered within 2 h (r resends)"
    assert smtp.received == []

    await manager_invites.resend_invite(db, settings, added.assignment_id, version=1, actor="alice")
    [sent] = await delivery.deliver_due(db, settings)
    assert sent.ok
    person = await _person(db, "x@example.com")
    assert passwords.verify_password(person.password_hash, smtp.received[0].password)
    [view] = (await get_order(db, order_id)).managers
    assert invite_status(view, True).startswith("sent ")


def test_invite_expiry_is_a_setting_with_a_24_hour_default() -> None:
    assert Settings(db="x.db").invite_expiry_hours == 24
    assert Settings(db="x.db", invite_expiry_hours=0.5).invite_expiry_hours == 0.5
    for bad in (0, -1, float("inf")):
        with pytest.raises(ValueError):
            Settings(db="x.db", invite_expiry_hours=bad)


async def test_upgrade_from_0001_forgets_queued_passwords_and_adds_expiry(db) -> None:
    """A database at 0001_initial with an invite queued by an earlier version (its password in
    the body): 0003_invite_expiry keeps the row, drops the password and adds ``expires_at``."""
    from alembic import command

    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0001_initial"))
    assert await current_revision(db) == "0001_initial"
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO mail_outbox (kind, to_address, subject, body, status, attempts, "
                "last_error, created_at, next_attempt_at) VALUES (:kind, 'q@example.com', 's', "
                ":body, :status, 0, '', :at, :at)"
            ),
            [
                {
                    "kind": "manager_invite",
                    "body": "Initial password:  Sekr3tSekr3tSekr",
                    "status": "queued",
                    "at": outbox.now_utc(),
                },
                {
                    "kind": "manager_invite",
                    "body": "Initial password:  An0therAn0therAn",
                    "status": "failed",
                    "at": outbox.now_utc(),
                },
                {
                    "kind": "manager_added",
                    "body": "a notice",
                    "status": "queued",
                    "at": outbox.now_utc(),
                },
            ],
        )
    await upgrade(db)
    assert await current_revision(db) == HEAD
    rows = await _rows(db, MailOutbox)
    assert [r.expires_at for r in rows] == [None, None, None]
    assert "Sekr3t" not in rows[0].body and "An0ther" not in rows[1].body
    assert rows[2].body == "a notice"


async def test_outbox_send_expires_old_invites_and_list_shows_them(sqlite_db, capsys) -> None:
    import argparse

    from orderview.cli import outbox_cmd
    from orderview.cli.context import Context

    def parse(*argv: str) -> argparse.Namespace:
        parser = argparse.ArgumentParser(prog="orderview")
        outbox_cmd.register(
            parser, parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False)
        )
        return parser.parse_args(["outbox", *argv])

    server = SMTPServer()  # never started: nothing can be delivered
    ctx = Context(server.settings(invite_expiry_hours=1), "cron", sqlite_db)
    order_id = await factories.add_order(sqlite_db, store_id="ORD-C")
    await managers.add_manager(
        sqlite_db, ctx.settings, order_id, {"email": "c@example.com"}, actor="desk"
    )
    async with sqlite_db.sessions.begin() as s:  # queued two hours ago, never sent
        row = (await s.scalars(select(MailOutbox))).one()
        row.expires_at = outbox.now_utc() - timedelta(hours=1)
    args = parse("send")
    assert await args.handler(args, ctx) == 0
    out = capsys.readouterr().out
    assert "c@example.com: expired: not delivered within 1 h" in out
    args = parse("list", "--status", "expired")
    assert await args.handler(args, ctx) == 0
    assert "expired" in capsys.readouterr().out
