"""Deleting an order: cascade, audit snapshot, optimistic version check (both DBs)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from orderview.db.models import (
    AuditEvent,
    Customer,
    License,
    LicenseManager,
    Order,
    OrderManager,
)
from orderview.mail import delivery
from orderview.services import audit, deletion, orders
from orderview.services.errors import ConflictError, NotFound
from tests import factories as f


async def count(db, model, *where) -> int:
    async with db.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def shown(db, oid: int) -> str:
    """The fingerprint of the preview a Delete dialog would show now."""
    return (await deletion.deletion_preview(db, oid)).fingerprint


async def seeded(db):
    product_id, policy_id = await f.add_product(db)
    cid = await f.add_customer(db, email="ada@example.com")
    oid = await f.add_order(db, "ORD-DEL", reference="PO-1", customer_id=cid, metadata_={"crm": 7})
    keys = await f.add_licenses(db, oid, product_id, 25, policy_id, license_type="subscription")
    m1 = await f.add_manager(db, oid, "grace@example.com", ["reset_device", "manage_managers"])
    m2 = await f.add_manager(db, oid, "alan@example.com")
    keep = await f.add_order(db, "ORD-KEEP", customer_id=cid)
    await f.add_licenses(db, keep, product_id, 3, policy_id)
    async with db.sessions.begin() as s:  # grace also manages the other order
        s.add(OrderManager(order_id=keep, manager_id=m1, permissions=["reset_device"]))
    return oid, keep, cid, keys, (m1, m2)


async def test_preview(db) -> None:
    oid, *_ = await seeded(db)
    preview = await deletion.deletion_preview(db, oid)
    assert (preview.store_id, preview.license_count, preview.manager_count) == ("ORD-DEL", 25, 2)
    assert preview.customer == "Analytical Engines Ltd"
    assert preview.customer_email == "ada@example.com" and preview.version == 1
    with pytest.raises(NotFound):
        await deletion.deletion_preview(db, 99999)


async def test_delete_cascades_and_keeps_people(db) -> None:
    oid, keep, cid, keys, (m1, m2) = await seeded(db)
    result = await deletion.delete_order(
        db, "alice", oid, expected_version=1, fingerprint=await shown(db, oid)
    )
    assert (result.store_id, result.license_count, result.manager_count) == ("ORD-DEL", 25, 2)

    assert await count(db, Order, Order.id == oid) == 0
    assert await count(db, License, License.order_id == oid) == 0
    assert await count(db, OrderManager, OrderManager.order_id == oid) == 0
    # What belongs to others stays.
    assert await count(db, Customer, Customer.id == cid) == 1
    assert await count(db, LicenseManager, LicenseManager.id.in_([m1, m2])) == 2
    assert await count(db, License, License.order_id == keep) == 3
    assert await count(db, OrderManager, OrderManager.order_id == keep) == 1
    assert [s.store_id for s in (await orders.search_orders(db, "ORD-")).items] == ["ORD-KEEP"]
    assert (await orders.search_orders(db, keys[0][:9])).items == []

    # The audit record and its snapshot survive.
    history = await audit.order_history(db, oid)
    [event] = history.items
    assert (event.action, event.entity, event.entity_id, event.operator) == (
        "deleted",
        "order",
        oid,
        "alice",
    )
    assert event.id == result.audit_event_id and event.order_store_id == "ORD-DEL"
    snap = event.snapshot
    assert snap["order"]["store_id"] == "ORD-DEL" and snap["order"]["reference"] == "PO-1"
    assert snap["order"]["metadata"] == {"crm": 7} and snap["order"]["version"] == 1
    assert snap["order"]["created_at"].startswith("2026-01-15T09:30:00")
    assert snap["customer"] == {"id": cid, "email": "ada@example.com"}
    assert snap["license_count"] == 25
    assert snap["license_columns"] == ["license_key", "license_type", "user_email"]
    assert sorted(k for k, _, _ in snap["licenses"]) == sorted(keys)
    assert {t for _, t, _ in snap["licenses"]} == {"subscription"}
    assert snap["managers"] == [
        {"id": m2, "email": "alan@example.com", "permissions": ["manage_license_users"]},
        {
            "id": m1,
            "email": "grace@example.com",
            "permissions": ["reset_device", "manage_managers"],
        },
    ]


async def test_order_without_customer_or_licenses(db) -> None:
    oid = await f.add_order(db, "ORD-EMPTY")
    result = await deletion.delete_order(db, "bob", oid, 1, fingerprint=await shown(db, oid))
    assert (result.license_count, result.manager_count) == (0, 0)
    async with db.sessions() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.order_id == oid))
    assert event.snapshot["customer"] is None and event.snapshot["licenses"] == []
    assert await count(db, Order) == 0


async def test_conflict_when_changed_meanwhile(db) -> None:
    oid, *_ = await seeded(db)
    async with db.write() as s:  # someone else edits the order (version 1 -> 2)
        await s.execute(update(Order).where(Order.id == oid).values(version=2, reference="PO-2"))
        audit.record(
            s,
            actor="carol",
            action="updated",
            entity="order",
            entity_id=oid,
            entity_version=2,
            order_id=oid,
            changes={"reference": ["PO-1", "PO-2"]},
        )
    with pytest.raises(ConflictError) as info:
        await deletion.delete_order(
            db, "alice", oid, expected_version=1, fingerprint=await shown(db, oid)
        )
    assert not info.value.deleted
    assert "carol" in str(info.value) and "reference" in str(info.value)
    # Nothing was deleted.
    assert await count(db, Order, Order.id == oid) == 1
    assert await count(db, License, License.order_id == oid) == 25
    assert await count(db, OrderManager, OrderManager.order_id == oid) == 2
    assert await count(db, AuditEvent, AuditEvent.action == "deleted") == 0


async def test_conflict_when_already_deleted(db) -> None:
    oid, *_ = await seeded(db)
    seen = await shown(db, oid)
    await deletion.delete_order(db, "dave", oid, 1, fingerprint=seen)
    with pytest.raises(ConflictError) as info:
        await deletion.delete_order(db, "alice", oid, 1, fingerprint=seen)
    assert info.value.deleted
    assert str(info.value) == "This order was deleted by dave after you opened it."
    assert await count(db, AuditEvent, AuditEvent.action == "deleted") == 1


async def test_unsent_mail_about_the_order_is_cancelled_with_it(db) -> None:
    """Invites queued for a deleted order would invite people to manage nothing, with a live
    initial password: the delete supersedes and scrubs them in its transaction; mail about
    other orders and mail already sent stay as they are."""
    from orderview.db.models import MailOutbox
    from orderview.mail import outbox
    from orderview.services import managers
    from orderview.settings import Settings

    no_server = Settings(smtp_host=None)
    oid = await f.add_order(db, "ORD-MAIL")
    keep = await f.add_order(db, "ORD-STAYS")
    await managers.add_manager(db, no_server, oid, {"email": "new@example.com"}, actor="a")
    await managers.add_manager(db, no_server, keep, {"email": "other@example.com"}, actor="a")
    await managers.add_manager(db, no_server, keep, {"email": "new@example.com"}, actor="a")
    async with db.sessions.begin() as s:  # one message about the order was already sent
        s.add(
            MailOutbox(
                kind="manager_added",
                to_address="x@example.com",
                subject="s",
                body="sent body",
                status="sent",
                order_id=oid,
                manager_id=None,
            )
        )

    assert (await deletion.deletion_preview(db, oid)).unsent_mail == 1  # the dialog says so
    result = await deletion.delete_order(
        db, "alice", oid, expected_version=1, fingerprint=await shown(db, oid)
    )

    async with db.sessions() as s:
        mail = {(m.order_id, m.to_address): m for m in await s.scalars(select(MailOutbox))}
    gone = mail[(oid, "new@example.com")]
    assert gone.status == "superseded" and gone.body == outbox.SCRUBBED
    assert mail[(oid, "x@example.com")].status == "sent"
    assert {mail[(keep, "other@example.com")].status, mail[(keep, "new@example.com")].status} == {
        "queued"
    }
    async with db.sessions() as s:
        event = await s.get(AuditEvent, result.audit_event_id)
    assert event.snapshot["cancelled_mail"] == 1 and "1 unsent email(s)" in event.summary

    # A sender that comes along afterwards delivers only the other order's mail.
    sent: list[str] = []

    async def sender(settings, message) -> None:
        sent.append(message["To"])

    await delivery.deliver_due(db, Settings(smtp_host="mail.invalid"), sender=sender)
    assert sorted(sent) == ["new@example.com", "other@example.com"]


def test_dialog_text_names_the_cancelled_mail() -> None:
    from orderview.screens.delete_order import what_goes

    text = str(what_goes("ORD-1", "ACME", "a@example.com", 3, 1, unsent_mail=2))
    assert "cancels 2 unsent emails to its managers" in text
    assert "unsent" not in str(what_goes("ORD-1", "ACME", "a@example.com", 3, 1))
