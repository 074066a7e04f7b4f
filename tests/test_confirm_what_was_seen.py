"""A confirmation confirms what the operator saw (issue 16, section 3), on both databases.

The Delete preview showed 1 license and no manager; another desk then issued 1,000 licenses
and added a manager; the delete went through and removed all of it, because issuing and adding
managers do not move the order's version. Now the delete carries the preview's fingerprint and
is refused, with the new preview, when anything the preview rests on changed. Remove manager
likewise carries the manager's state it showed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orderview.db.models import AuditEvent, License, MailOutbox, Order, OrderManager
from orderview.schemas.issuing import LineInput
from orderview.services import (
    customers,
    deletion,
    issuing,
    manager_invites,
    managers,
    removal,
)
from orderview.services.errors import ConflictError, PreviewChanged
from orderview.settings import Settings
from tests import factories as f

NO_SERVER = Settings(smtp_host=None)
MAIL = Settings(smtp_host="mail.invalid")  # configured: invites are queued (nothing sends)


async def count(db, model, *where) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def one_license_order(db) -> tuple[int, int, int]:
    product, policy = await f.add_product(db)
    customer = await f.add_customer(db)
    order = await f.add_order(db, "ORD-SEEN", customer_id=customer)
    await f.add_licenses(db, order, product, 1, policy)
    return order, product, customer


async def test_delete_is_refused_after_another_desk_issued_and_added_a_manager(db) -> None:
    order, product, _ = await one_license_order(db)
    seen = await deletion.deletion_preview(db, order)
    assert (seen.license_count, seen.manager_count) == (1, 0)

    # Another desk, between the preview and the confirmation:
    await issuing.issue_licenses(db, "bob", order, [LineInput(product_id=product, quantity=1000)])
    await managers.add_manager(db, NO_SERVER, order, {"email": "late@example.com"}, actor="bob")

    with pytest.raises(PreviewChanged) as info:
        await deletion.delete_order(db, "alice", order, seen.version, fingerprint=seen.fingerprint)
    now = info.value.preview
    assert isinstance(info.value, ConflictError)
    assert (now.license_count, now.manager_count) == (1001, 1)
    assert "1,001 license(s)" in str(info.value)
    assert deletion.preview_changes(seen, now).startswith(
        "licenses 1 → 1,001; license manager assignments 0 → 1"
    )
    # Nothing was deleted, nothing recorded.
    assert await count(db, License, License.order_id == order) == 1001
    assert await count(db, OrderManager, OrderManager.order_id == order) == 1
    assert await count(db, AuditEvent, AuditEvent.action == "deleted") == 0

    # Confirmed against the new preview, it goes.
    gone = await deletion.delete_order(db, "alice", order, now.version, fingerprint=now.fingerprint)
    assert (gone.license_count, gone.manager_count) == (1001, 1)
    assert await count(db, Order, Order.id == order) == 0


async def _change_licenses(db, order, product, customer) -> None:
    await f.add_licenses(db, order, product, 1)


async def _change_manager(db, order, product, customer) -> None:
    await f.add_manager(db, order, "new@example.com")


async def _change_customer(db, order, product, customer) -> None:
    await customers.update_customer(db, "bob", customer, 1, {"company_name": "Other Ltd"})


async def _change_mail(db, order, product, customer) -> None:
    manager = await f.add_manager(db, order, "m@example.com")
    seen_before = await deletion.deletion_preview(db, order)
    async with db.sessions.begin() as s:
        s.add(
            MailOutbox(
                kind="manager_invite",
                to_address="m@example.com",
                subject="s",
                body="b",
                status="queued",
                order_id=order,
                manager_id=manager,
            )
        )
    assert (await deletion.deletion_preview(db, order)).unsent_mail == seen_before.unsent_mail + 1


@pytest.mark.parametrize(
    "change", [_change_licenses, _change_manager, _change_customer, _change_mail]
)
async def test_every_fact_the_preview_shows_is_checked(db, change) -> None:
    order, product, customer = await one_license_order(db)
    seen = await deletion.deletion_preview(db, order)
    await change(db, order, product, customer)
    with pytest.raises(PreviewChanged):
        await deletion.delete_order(db, "alice", order, seen.version, fingerprint=seen.fingerprint)
    assert await count(db, Order, Order.id == order) == 1


async def test_a_manager_replaced_by_another_is_a_change_too(db) -> None:
    """Same counts, other facts: one manager removed and another added in between."""
    order, _, _ = await one_license_order(db)
    first = await managers.add_manager(
        db, NO_SERVER, order, {"email": "a@example.com"}, actor="bob"
    )
    seen = await deletion.deletion_preview(db, order)
    shown = (await removal.removal_preview(db, first.assignment_id)).fingerprint
    await removal.remove_manager(db, first.assignment_id, version=1, actor="bob", fingerprint=shown)
    await managers.add_manager(db, NO_SERVER, order, {"email": "b@example.com"}, actor="bob")
    with pytest.raises(PreviewChanged) as info:
        await deletion.delete_order(db, "alice", order, seen.version, fingerprint=seen.fingerprint)
    assert info.value.preview.manager_count == seen.manager_count == 1
    assert "replaced" in deletion.preview_changes(seen, info.value.preview)


async def test_remove_manager_is_refused_when_their_state_changed(db) -> None:
    order, _, _ = await one_license_order(db)
    added = await managers.add_manager(
        db, MAIL, order, {"email": "r@example.com", "send_invite": False}, actor="alice"
    )
    seen = await removal.removal_preview(db, added.assignment_id)
    assert (seen.email, seen.unsent_mail, seen.signed_in) == ("r@example.com", 0, False)

    # Another desk sends them an invite (a new password, queued mail): the assignment's
    # version does not move, but what the confirmation showed did.
    await manager_invites.resend_invite(db, MAIL, added.assignment_id, version=None, actor="bob")
    with pytest.raises(PreviewChanged) as info:
        await removal.remove_manager(
            db,
            added.assignment_id,
            version=seen.version,
            actor="alice",
            fingerprint=seen.fingerprint,
        )
    now = info.value.preview
    assert now.unsent_mail == 1 and now.version == seen.version
    assert await count(db, OrderManager, OrderManager.id == added.assignment_id) == 1
    assert await count(db, AuditEvent, AuditEvent.action == "removed") == 0

    await removal.remove_manager(
        db, added.assignment_id, version=now.version, actor="alice", fingerprint=now.fingerprint
    )
    assert await count(db, OrderManager, OrderManager.id == added.assignment_id) == 0


async def test_resend_is_refused_when_the_manager_signed_in_since_it_was_asked(db) -> None:
    """The question said "not signed in yet"; they sign in before the yes: nothing is sent."""
    from sqlalchemy import update

    from orderview.db.models import LicenseManager

    order = await f.add_order(db, "ORD-R")
    settings = Settings()
    added = await managers.add_manager(
        db, settings, order, {"email": "r@example.com"}, actor="alice"
    )
    async with db.sessions.begin() as s:  # they sign in at another desk
        await s.execute(
            update(LicenseManager)
            .where(LicenseManager.id == added.manager_id)
            .values(is_initial_password=False)
        )
    with pytest.raises(ConflictError, match="signed in"):
        await manager_invites.resend_invite(
            db, settings, added.assignment_id, version=1, actor="alice", signed_in=False
        )
    result = await manager_invites.resend_invite(
        db, settings, added.assignment_id, version=1, actor="alice", signed_in=True
    )
    assert result.manager_id == added.manager_id
