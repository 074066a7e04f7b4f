"""License managers service + outbox, on both databases, with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from orderview.db.models import AuditEvent, LicenseManager, MailAttempt, MailOutbox, OrderManager
from orderview.mail import delivery, outbox
from orderview.mail.status import invite_status
from orderview.services import manager_invites, managers, passwords, removal
from orderview.services.errors import ConflictError, FieldErrors, PermissionDenied
from orderview.services.orders import get_order
from orderview.settings import Settings
from tests import factories
from tests.smtp_capture import SMTPServer

HOSTILE = "[@click=app.quit]Ev[/]il [b]x\u202e\U0001f600"


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


def _assert_no_secret(rows, secret):
    for row in rows:
        dumped = json.dumps(
            {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}, default=str
        )
        assert secret not in dumped


async def test_add_new_manager_invite_arrives_and_password_verifies(db, smtp):
    settings = smtp.settings()
    order_id = await factories.add_order(db, store_id="ORD-7")
    result = await managers.add_manager(
        db,
        settings,
        order_id,
        {
            "email": "Grace@Example.COM",
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone_number": "+1 555 0100",
            "permissions": ["reset_device", "manage_managers"],
        },
        actor="alice",
    )
    assert not result.linked_existing and result.mail_kind == "manager_invite"
    person = await _person(db, "grace@example.com")
    assert person.email == "Grace@Example.COM" and person.is_initial_password
    assert person.password_hash is None  # made when the invite is sent, not before
    [assignment] = await _rows(db, OrderManager, OrderManager.order_id == order_id)
    assert assignment.permissions == ["manage_managers", "reset_device"]
    [queued] = await _rows(db, MailOutbox)
    assert queued.status == "queued" and queued.to_address == "Grace@Example.COM"

    results = await delivery.deliver_due(db, settings)
    assert [(r.ok, r.status) for r in results] == [(True, "sent")]
    [mail] = smtp.received
    assert mail.envelope_to == ["Grace@Example.COM"]
    assert mail.message["From"] == "licensing@vendor.test"
    assert "ORD-7" in mail.message["Subject"]
    assert "https://portal.vendor.test" in mail.body and "Grace@Example.COM" in mail.body
    password = mail.password
    person = await _person(db, "grace@example.com")
    assert person.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(person.password_hash, password)
    assert not passwords.verify_password(person.password_hash, password + "x")

    [sent] = await _rows(db, MailOutbox)
    assert sent.status == "sent" and sent.sent_at is not None and password not in sent.body
    [attempt] = await _rows(db, MailAttempt)
    assert attempt.ok
    events = await _rows(db, AuditEvent)
    assert [(e.action, e.entity, e.order_id, e.order_store_id) for e in events] == [
        ("created", "order_manager", order_id, "ORD-7"),
        ("invite_sending", "order_manager", order_id, "ORD-7"),
    ]
    _assert_no_secret(events, password)
    _assert_no_secret(await _rows(db, MailOutbox), password)
    _assert_no_secret(await _rows(db, LicenseManager), password)

    [view] = (await get_order(db, order_id)).managers
    assert invite_status(view, True).startswith("sent 20")


async def test_no_mail_server_keeps_invites_queued_and_says_so(db):
    settings = SMTPServer().settings(smtp_host=None)
    order_id = await factories.add_order(db)
    await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")
    assert await delivery.deliver_due(db, settings) == []
    [row] = await _rows(db, MailOutbox)
    assert row.status == "queued" and row.attempts == 0 and row.expires_at is None
    assert "Initial password:  (made when this email is sent)" in row.body
    assert (await _person(db, "m@example.com")).password_hash is None  # none stored at all
    [view] = (await get_order(db, order_id)).managers
    assert invite_status(view, False) == (
        "queued — waits for a mail server (no mail server configured)"
    )
    assert invite_status(view, True) == "queued"


async def test_smtp_down_then_up_fails_records_reason_retries_and_sends(db):
    server = SMTPServer()  # port chosen, server not started: connection refused
    settings = server.settings()
    order_id = await factories.add_order(db)
    await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")
    t0 = outbox.now_utc()
    [failed] = await delivery.deliver_due(db, settings, now=t0)
    assert not failed.ok and failed.status == "failed"
    host, port = settings.smtp_host, settings.smtp_port
    assert failed.error == f"connection refused ({host}:{port})"  # short: fits the tab
    [row] = await _rows(db, MailOutbox)
    assert row.status == "failed" and row.attempts == 1 and row.last_error == failed.error
    assert row.next_attempt_at == t0 + timedelta(seconds=30)
    assert "Initial password:  (sent by email only; never stored)" in row.body
    [view] = (await get_order(db, order_id)).managers
    assert invite_status(view, True).startswith(f"failed: {failed.error}")

    server.start()
    try:
        assert await delivery.deliver_due(db, settings, now=t0 + timedelta(seconds=10)) == []
        [sent] = await delivery.deliver_due(db, settings, now=t0 + timedelta(seconds=31))
        assert sent.ok and sent.status == "sent"
        assert [m.envelope_to for m in server.received] == [["m@example.com"]]
    finally:
        server.stop()
    attempts = await outbox.attempts_of(db, row.id)
    assert [(ok, bool(err)) for _, ok, err in attempts] == [(False, True), (True, False)]
    person = await _person(db, "m@example.com")
    assert passwords.verify_password(person.password_hash, server.received[0].password)


async def test_gives_up_after_max_attempts_and_scrubs_the_password(db):
    settings = SMTPServer().settings()
    order_id = await factories.add_order(db)
    await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")

    async def broken(_settings, _message):
        raise ConnectionRefusedError("refused")

    at = outbox.now_utc()
    for _ in range(outbox.MAX_ATTEMPTS):
        [_r] = await delivery.deliver_due(db, settings, now=at, sender=broken)
        at += timedelta(hours=2)
    assert await delivery.deliver_due(db, settings, now=at, sender=broken) == []
    [row] = await _rows(db, MailOutbox)
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS
    assert "Initial password:  (sent by email only; never stored)" in row.body
    [view] = (await get_order(db, order_id)).managers
    assert "gave up" in invite_status(view, True)


def test_backoff_schedule():
    assert [outbox.backoff(n).total_seconds() for n in range(1, 8)] == [
        30,
        120,
        600,
        1800,
        3600,
        3600,
        3600,
    ]


async def test_claimed_message_is_not_claimed_twice(db):
    settings = SMTPServer().settings()
    order_id = await factories.add_order(db)
    await managers.add_manager(db, settings, order_id, {"email": "m@example.com"}, actor="a")
    second: list[object] = []

    async def sending(_settings, _message):  # a second sender runs while this one sends
        second.extend(await delivery.deliver_due(db, settings, sender=sending))

    [first] = await delivery.deliver_due(db, settings, sender=sending)
    assert first.ok and second == []


async def test_standard_plan_refuses_distribution_permissions_whoever_calls(db):
    standard = SMTPServer().settings(plan="standard")
    enterprise = SMTPServer().settings(plan="enterprise")
    order_id = await factories.add_order(db)
    for code in ("create_order", "issue_license", "create_bundle_order"):
        with pytest.raises(PermissionDenied, match="enterprise plan"):
            await managers.add_manager(
                db,
                standard,
                order_id,
                {"email": "x@example.com", "permissions": [code]},
                actor="a",
            )
    assert await _rows(db, LicenseManager) == []
    assert await _rows(db, MailOutbox) == []

    added = await managers.add_manager(
        db,
        enterprise,
        order_id,
        {"email": "x@example.com", "permissions": ["issue_license", "reset_device"]},
        actor="a",
    )
    # Standard plan: distribution rights can be neither removed nor granted ...
    with pytest.raises(PermissionDenied):
        await managers.update_permissions(
            db, standard, added.assignment_id, ["reset_device"], version=1, actor="a"
        )
    with pytest.raises(PermissionDenied):
        await managers.update_permissions(
            db,
            standard,
            added.assignment_id,
            ["issue_license", "create_order", "reset_device"],
            version=1,
            actor="a",
        )
    # ... but the other rights can change while they stay as they are.
    v2 = await managers.update_permissions(
        db,
        standard,
        added.assignment_id,
        ["issue_license", "borrow_license"],
        version=1,
        actor="a",
    )
    assert v2 == 2
    [row] = await _rows(db, OrderManager)
    assert row.permissions == ["borrow_license", "issue_license"]
    v3 = await managers.update_permissions(
        db, enterprise, added.assignment_id, [], version=2, actor="a"
    )
    assert v3 == 3


async def test_existing_person_is_attached_not_duplicated_password_untouched(db):
    settings = SMTPServer().settings()
    first = await factories.add_order(db, store_id="ORD-A")
    second = await factories.add_order(db, store_id="ORD-B")
    a = await managers.add_manager(
        db,
        settings,
        first,
        {"email": "sam@example.com", "first_name": "Sam", "permissions": ["reset_device"]},
        actor="alice",
    )
    before = await _person(db, "sam@example.com")
    b = await managers.add_manager(
        db,
        settings,
        second,
        {"email": "  SAM@example.com ", "first_name": "Other", "permissions": ["borrow_license"]},
        actor="bob",
    )
    assert b.linked_existing and b.manager_id == a.manager_id
    assert b.mail_kind == "manager_added"
    after = await _person(db, "sam@example.com")
    assert after.password_hash == before.password_hash and after.first_name == "Sam"
    assert len(await _rows(db, LicenseManager)) == 1
    perms = {r.order_id: r.permissions for r in await _rows(db, OrderManager)}
    assert perms == {first: ["reset_device"], second: ["borrow_license"]}
    notice = (await _rows(db, MailOutbox))[-1]
    assert notice.kind == "manager_added" and "password" not in notice.body.split("existing")[0]
    assert "Initial password" not in notice.body and "ORD-B" in notice.subject
    events = await _rows(db, AuditEvent)
    assert [(e.action, e.operator) for e in events] == [("created", "alice"), ("linked", "bob")]

    with pytest.raises(FieldErrors) as caught:
        await managers.add_manager(db, settings, second, {"email": "sam@EXAMPLE.com"}, actor="bob")
    assert "already" in caught.value.errors["email"]


async def test_existing_person_without_password_gets_a_real_invite(db):
    settings = SMTPServer().settings()
    first = await factories.add_order(db, store_id="ORD-A")
    second = await factories.add_order(db, store_id="ORD-B")
    await managers.add_manager(
        db, settings, first, {"email": "q@example.com", "send_invite": False}, actor="a"
    )
    assert (await _person(db, "q@example.com")).password_hash is None
    assert await _rows(db, MailOutbox) == []
    [view] = (await get_order(db, first)).managers
    assert invite_status(view, True) == "not invited"
    result = await managers.add_manager(db, settings, second, {"email": "q@example.com"}, actor="a")
    assert result.linked_existing and result.mail_kind == "manager_invite"
    assert (await _person(db, "q@example.com")).password_hash is None  # made when sent


async def test_edit_checks_the_version_and_audits_the_change(db):
    settings = SMTPServer().settings()
    order_id = await factories.add_order(db)
    added = await managers.add_manager(
        db,
        settings,
        order_id,
        {"email": "e@example.com", "permissions": ["reset_device"]},
        actor="alice",
    )
    await managers.update_permissions(
        db,
        settings,
        added.assignment_id,
        ["reset_device", "reset_license"],
        version=1,
        actor="alice",
    )
    with pytest.raises(ConflictError, match="alice") as caught:
        await managers.update_permissions(
            db, settings, added.assignment_id, [], version=1, actor="bob"
        )
    assert caught.value.changes[0].fields == ["permissions"]
    with pytest.raises(FieldErrors):
        await managers.update_permissions(
            db, settings, added.assignment_id, ["nope"], version=2, actor="bob"
        )
    [row] = await _rows(db, OrderManager)
    assert row.permissions == ["reset_device", "reset_license"] and row.version == 2
    events = await _rows(db, AuditEvent)
    assert events[-1].action == "updated" and events[-1].entity_version == 2
    assert events[-1].changes == {
        "permissions": [["reset_device"], ["reset_device", "reset_license"]]
    }


async def test_remove_keeps_the_person_and_cancels_unsent_mail(db):
    settings = SMTPServer().settings()
    order_id = await factories.add_order(db, store_id="ORD-R")
    added = await managers.add_manager(
        db, settings, order_id, {"email": "r@example.com"}, actor="alice"
    )
    shown = (await removal.removal_preview(db, added.assignment_id)).fingerprint
    with pytest.raises(ConflictError):
        await removal.remove_manager(
            db, added.assignment_id, version=5, actor="bob", fingerprint=shown
        )
    await removal.remove_manager(db, added.assignment_id, version=1, actor="bob", fingerprint=shown)
    assert await _rows(db, OrderManager) == []
    assert len(await _rows(db, LicenseManager)) == 1
    [mail] = await _rows(db, MailOutbox)
    assert mail.status == "superseded" and "Initial password" not in mail.body
    event = (await _rows(db, AuditEvent))[-1]
    assert (event.action, event.operator, event.order_store_id) == ("removed", "bob", "ORD-R")
    assert event.snapshot["email"] == "r@example.com"
    with pytest.raises(ConflictError, match="deleted"):
        await removal.remove_manager(
            db, added.assignment_id, version=1, actor="bob", fingerprint=shown
        )


async def test_resend_replaces_the_password_and_supersedes_the_old_invite(db, smtp):
    settings = smtp.settings()
    order_id = await factories.add_order(db)
    added = await managers.add_manager(
        db, settings, order_id, {"email": "z@example.com"}, actor="alice"
    )
    [_first] = await delivery.deliver_due(db, settings)
    old_password = smtp.received[0].password
    # A second resend while the first is still queued: the queued one is superseded.
    await manager_invites.resend_invite(db, settings, added.assignment_id, version=1, actor="alice")
    result = await manager_invites.resend_invite(
        db, settings, added.assignment_id, version=1, actor="bob"
    )
    assert result.superseded == 1
    statuses = [m.status for m in await _rows(db, MailOutbox)]
    assert statuses == ["sent", "superseded", "queued"]
    [delivered] = await delivery.deliver_due(db, settings)
    assert delivered.id == result.outbox_id and delivered.ok
    new_password = smtp.received[1].password
    person = await _person(db, "z@example.com")
    assert person.is_initial_password
    assert passwords.verify_password(person.password_hash, new_password)
    assert not passwords.verify_password(person.password_hash, old_password)
    events = await _rows(db, AuditEvent)
    assert [e.action for e in events] == [
        "created",
        "invite_sending",
        "invite_resent",
        "invite_resent",
        "invite_sending",
    ]
    for secret in (old_password, new_password):
        _assert_no_secret(events, secret)
        _assert_no_secret(await _rows(db, MailOutbox), secret)


async def test_hostile_names_are_stored_exactly_and_controls_refused(db, smtp):
    settings = smtp.settings()
    order_id = await factories.add_order(db, store_id="ORD-[b]1[/b]")
    await managers.add_manager(
        db,
        settings,
        order_id,
        {"email": "h@example.com", "first_name": HOSTILE, "last_name": "O'Brien; DROP"},
        actor="a",
    )
    person = await _person(db, "h@example.com")
    assert person.first_name == HOSTILE.strip()
    await delivery.deliver_due(db, settings)
    [mail] = smtp.received
    assert "[@click=app.quit]Ev[/]il" in mail.body and "ORD-[b]1[/b]" in mail.message["Subject"]
    with pytest.raises(FieldErrors) as caught:
        await managers.add_manager(
            db,
            settings,
            order_id,
            {
                "email": "e@example.com",
                "first_name": "EVIL\x1b[2J",
                "last_name": "a\nb",
                "phone_number": "call me",
            },
            actor="a",
        )
    assert set(caught.value.errors) == {"first_name", "last_name", "phone_number"}
    with pytest.raises(FieldErrors) as caught:
        await managers.add_manager(db, settings, order_id, {"email": "not an email"}, actor="a")
    assert "email" in caught.value.errors


async def test_background_sender_reports_only_real_changes(sqlite_db, smtp):
    from orderview.mail.background import BackgroundSender

    changes: list[list[outbox.DeliveryResult]] = []
    settings = smtp.settings()
    sender = BackgroundSender(sqlite_db, settings, changes.append, idle_poll=7.0)
    assert await sender.step() == 7.0 and changes == []  # idle: nothing to report
    order_id = await factories.add_order(sqlite_db)
    await managers.add_manager(sqlite_db, settings, order_id, {"email": "b@example.com"}, actor="a")
    assert await sender.step() == 7.0
    assert [[(r.ok, r.order_id) for r in batch] for batch in changes] == [[(True, order_id)]]
    assert len(smtp.received) == 1
    await sender.step()
    assert len(changes) == 1  # nothing new: no call, so the app repaints nothing

    unconfigured = BackgroundSender(sqlite_db, smtp.settings(smtp_host=None), changes.append)
    await unconfigured.run()  # returns at once: nothing to do without a mail server


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_smtp_login_and_a_refused_login_without_leaking_secrets(sqlite_db):
    server = SMTPServer(login=("mailer", "s3cret-smtp"))
    server.start()
    try:
        order_id = await factories.add_order(sqlite_db)
        wrong = server.settings(smtp_username="mailer", smtp_password="wrong-pass")
        await managers.add_manager(
            sqlite_db, wrong, order_id, {"email": "l@example.com"}, actor="a"
        )
        [failed] = await delivery.deliver_due(sqlite_db, wrong)
        assert not failed.ok and failed.error and "wrong-pass" not in failed.error
        assert server.received == []
        right = server.settings(smtp_username="mailer", smtp_password="s3cret-smtp")
        [sent] = await delivery.deliver_due(
            sqlite_db, right, now=outbox.now_utc() + timedelta(minutes=1)
        )
        assert sent.ok and [m.envelope_to for m in server.received] == [["l@example.com"]]
    finally:
        server.stop()


async def test_starttls_against_a_server_without_it_fails_with_a_reason(sqlite_db, smtp):
    settings = smtp.settings(smtp_security="starttls")
    order_id = await factories.add_order(sqlite_db)
    await managers.add_manager(sqlite_db, settings, order_id, {"email": "t@example.com"}, actor="a")
    [failed] = await delivery.deliver_due(sqlite_db, settings)
    assert not failed.ok and "STARTTLS" in failed.error.upper()
    assert smtp.received == []


async def test_unknown_mail_host_is_one_short_reason(sqlite_db):
    settings = Settings(
        smtp_host="mail.nonexistent.invalid", smtp_port=25, smtp_security="none", smtp_timeout=5
    )
    order_id = await factories.add_order(sqlite_db)
    await managers.add_manager(sqlite_db, settings, order_id, {"email": "m@example.com"}, actor="a")
    [failed] = await delivery.deliver_due(sqlite_db, settings)
    assert failed.error == "unknown mail server host (mail.nonexistent.invalid:25)"


async def test_existing_person_whose_invite_was_given_up_gets_a_real_invite(db, smtp):
    """A notice says "use your existing password": wrong for someone whose only invite never
    arrived (given up after MAX_ATTEMPTS, body scrubbed). They get a real invite instead."""
    settings = smtp.settings()
    first = await factories.add_order(db, store_id="ORD-A")
    second = await factories.add_order(db, store_id="ORD-B")
    await managers.add_manager(db, settings, first, {"email": "g@example.com"}, actor="a")
    old_hash = (await _person(db, "g@example.com")).password_hash
    async with db.sessions.begin() as s:
        mail = (await s.scalars(select(MailOutbox))).one()
        mail.status, mail.attempts, mail.body = "failed", outbox.MAX_ATTEMPTS, outbox.SCRUBBED
    result = await managers.add_manager(db, settings, second, {"email": "g@example.com"}, actor="a")
    assert result.linked_existing and result.mail_kind == "manager_invite"
    assert (await _person(db, "g@example.com")).password_hash == old_hash  # not yet
    await delivery.deliver_due(db, settings)
    person = await _person(db, "g@example.com")
    assert person.password_hash != old_hash and person.is_initial_password
    [received] = smtp.received
    assert received.envelope_to == ["g@example.com"] and "ORD-B" in received.message["Subject"]
    assert passwords.verify_password(person.password_hash, received.password)
