"""The demo's managers obey the rules the service enforces (issue 15: 73 demo managers showed
"Login: done" without a password, and adding one to an order reset their login).

A property over generated demo databases (seeds and sizes drawn by hypothesis, kept small):
only someone a delivered invite reached holds a password or has signed in; a person's later
mail is a notice; nothing queued, no password in a body; every mail belongs to an assignment;
and the service, asked to add demo managers to a new order, treats them accordingly.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from orderview.db.engine import open_database
from orderview.db.models import LicenseManager, MailOutbox, OrderManager
from orderview.demo import generate_demo
from orderview.mail import composer
from orderview.services import managers
from orderview.settings import Settings
from tests import factories

COUNTER = itertools.count()


async def _check(db, seed: int, orders: int) -> None:
    await generate_demo(db, orders, seed=seed)
    async with db.sessions() as s:
        people = {p.id: p for p in await s.scalars(select(LicenseManager))}
        mails = list(await s.scalars(select(MailOutbox).order_by(MailOutbox.id)))
        assignments = {(a.order_id, a.manager_id) for a in await s.scalars(select(OrderManager))}

    reached: set[int] = set()
    by_person: dict[int, list[MailOutbox]] = defaultdict(list)
    for mail in mails:
        assert (mail.order_id, mail.manager_id) in assignments
        assert mail.status in ("sent", "failed") and "Initial password" not in mail.body
        by_person[mail.manager_id].append(mail)
    for person_id, history in by_person.items():
        delivered = False
        for mail in history:  # an invite until one arrives, then notices
            assert mail.kind == (composer.KIND_ADDED if delivered else composer.KIND_INVITE)
            delivered = delivered or (mail.kind == composer.KIND_INVITE and mail.status == "sent")
        if delivered:
            reached.add(person_id)

    for person in people.values():
        if person.id in reached:
            assert person.password_hash and person.password_hash.startswith("$argon2id$")
        else:  # no password reached them: none exists, and they cannot have signed in
            assert person.password_hash is None and person.is_initial_password
        if not person.is_initial_password:  # "Login: done"
            assert person.password_hash is not None and person.id in reached

    # The service sees the demo the same way: a signed-in manager added to another order gets
    # a notice and keeps their login; one no invite reached gets a real invite.
    signed_in = next((p for p in people.values() if not p.is_initial_password), None)
    never = next((p for p in people.values() if p.id not in reached), None)
    order_id = await factories.add_order(db, store_id=f"PROP-{seed}-{orders}")
    no_mail = Settings(db="unused.db")
    for person, kind in ((signed_in, composer.KIND_ADDED), (never, composer.KIND_INVITE)):
        if person is None:
            continue
        result = await managers.add_manager(
            db, no_mail, order_id, {"email": person.email}, actor="prop"
        )
        assert result.linked_existing and result.mail_kind == kind
        async with db.sessions() as s:
            after = await s.get(LicenseManager, person.id)
        assert (after.password_hash, after.is_initial_password, after.version) == (
            person.password_hash,
            person.is_initial_password,
            person.version,
        )


def test_demo_managers_follow_the_service_rules(sqlite_template: Path, tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()

    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.integers(0, 2**32 - 1), st.integers(20, 140))
    def check(seed: int, orders: int) -> None:
        path = tmp_path / f"demo{next(COUNTER)}.db"
        shutil.copy(sqlite_template, path)
        db = open_database(str(path))
        try:
            loop.run_until_complete(_check(db, seed, orders))
        finally:
            loop.run_until_complete(db.dispose())

    try:
        check()
    finally:
        loop.close()


async def test_the_default_demo_has_signed_in_managers_with_passwords(db) -> None:
    """At the size people try (and on PostgreSQL too): some managers are signed in, some not
    reached, and the rules hold."""
    await _check(db, 2026, 400)
    async with db.sessions() as s:
        people = list(await s.scalars(select(LicenseManager)))
    assert any(not p.is_initial_password for p in people)
    assert any(p.password_hash is None for p in people)
    assert any(p.is_initial_password and p.password_hash for p in people)
