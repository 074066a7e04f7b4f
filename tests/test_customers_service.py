"""Customers through the service: search, create-and-link, edit, relink, unlink, email
uniqueness, conflicts and audit content, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from orderview.services import audit, customers, orders
from orderview.services.customers import EmailTaken
from orderview.services.errors import ConflictError, FieldErrors, NotFound
from tests import factories as f

FULL = {
    "email": "Grace@Navy.example",
    "first_name": "Grace",
    "last_name": "Hopper",
    "company_name": "COBOL [Works] Ltd",
    "phone": "+1 (555) 010-9999 ext 12",
    "reference": "CRM-7",
    "address": "1 Harbour Road",
    "city": "Arlington",
    "state": "VA",
    "postcode": "22201",
    "country": "us",
}


async def test_create_links_in_one_transaction_with_two_audit_events(db) -> None:
    oid = await f.add_order(db, "ORD-1")
    detail = await customers.create_customer(db, "alice", oid, 1, FULL)
    c = detail.customer
    assert c is not None and c.email == "Grace@Navy.example" and c.country == "US"
    assert (c.company_name, c.phone, c.postcode) == ("COBOL [Works] Ltd", FULL["phone"], "22201")
    assert detail.version == 2
    created, linked = reversed((await audit.order_history(db, oid)).items)
    assert (created.action, created.entity, created.entity_id, created.operator) == (
        "created",
        "customer",
        c.id,
        "alice",
    )
    assert created.changes["email"] == [None, "Grace@Navy.example"]
    assert created.changes["country"] == [None, "US"]
    assert created.order_id == oid and created.order_store_id == "ORD-1"
    assert (linked.action, linked.entity, linked.entity_id) == ("linked", "order", oid)
    assert linked.changes == {"customer": [None, "Grace@Navy.example"], "customer_id": [None, c.id]}
    # the search keys follow: the order is found by the new customer's company
    assert [s.id for s in (await orders.search_orders(db, "cobol [w")).items] == [oid]


async def test_create_requires_a_valid_email_and_saves_nothing(db) -> None:
    oid = await f.add_order(db, "ORD-1")
    for email, message in [
        ("", "required"),
        ("not-an-email", "one address"),
        ("a@b", "invalid domain"),
        ("a b@c.com", "before the @"),
    ]:
        with pytest.raises(FieldErrors) as info:
            await customers.create_customer(db, "alice", oid, 1, {**FULL, "email": email})
        assert message in info.value.errors["email"]
    assert (await orders.get_order(db, oid)).customer is None
    assert (await audit.order_history(db, oid)).items == []


BAD = [
    ("first_name", "n" * 101, "at most 100"),
    ("last_name", "a\nb", "control characters"),
    ("company_name", "c" * 201, "at most 200"),
    ("phone", "call me", "digits"),
    ("reference", "r" * 101, "at most 100"),
    ("address", "a" * 301, "at most 300"),
    ("city", "\x1b[2J", "control characters"),
    ("state", "s" * 101, "at most 100"),
    ("postcode", "#12", "letters, digits"),
    ("country", "XX", "ISO 3166"),
    ("country", "USA", "ISO 3166"),
    ("email", "x@" + "d" * 250 + ".com", "at most 254"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
async def test_each_bad_customer_field_is_refused(db, field, value, message) -> None:
    oid = await f.add_order(db, "ORD-1")
    with pytest.raises(FieldErrors) as info:
        await customers.create_customer(db, "alice", oid, 1, {**FULL, field: value})
    assert list(info.value.errors) == [field] and message in info.value.errors[field]
    cid = await f.add_customer(db, "x@example.com")
    with pytest.raises(FieldErrors) as info:
        await customers.update_customer(db, "alice", cid, 1, {field: value})
    assert message in info.value.errors[field]
    assert (await customers.get_customer(db, cid)).version == 1


async def test_taken_email_offers_that_customer(db) -> None:
    ada = await f.add_customer(db, "ada@example.com")
    oid = await f.add_order(db, "ORD-1")
    with pytest.raises(EmailTaken) as info:
        await customers.create_customer(db, "alice", oid, 1, {"email": "ADA@example.COM"})
    assert info.value.customer_id == ada and info.value.customer.email == "ada@example.com"
    assert (
        isinstance(info.value, FieldErrors) and "link that customer" in info.value.errors["email"]
    )
    other = await f.add_customer(db, "bob@example.com", first_name="Bob")
    with pytest.raises(EmailTaken) as info:
        await customers.update_customer(db, "alice", other, 1, {"email": "Ada@Example.com"})
    assert info.value.customer_id == ada
    # changing only the case of one's own email is fine
    view = await customers.update_customer(db, "alice", other, 1, {"email": "BOB@example.com"})
    assert view.email == "BOB@example.com" and view.version == 2
    # the offered link works
    detail = await customers.link_customer(db, "alice", oid, 1, ada)
    assert detail.customer is not None and detail.customer.id == ada


async def test_update_every_field_audits_and_updates_search_keys(db) -> None:
    cid = await f.add_customer(db, "ada@example.com")
    oid = await f.add_order(db, "ORD-1", customer_id=cid)
    view = await customers.update_customer(db, "bob", cid, 1, FULL, order_id=oid)
    assert view.version == 2 and view.last_name == "Hopper" and view.country == "US"
    event = (await audit.order_history(db, oid)).items[0]
    assert (event.action, event.entity, event.entity_id, event.operator) == (
        "updated",
        "customer",
        cid,
        "bob",
    )
    assert event.changes["email"] == ["ada@example.com", "Grace@Navy.example"]
    assert event.changes["last_name"] == ["Lovelace", "Hopper"]
    assert "state" in event.changes and event.order_store_id == "ORD-1"
    found = await customers.search_customers(db, "hop")
    assert [c.id for c in found.items] == [cid]
    assert (await customers.search_customers(db, "lovelace")).items == []


async def test_customer_conflict_names_operator_and_fields(db) -> None:
    cid = await f.add_customer(db, "ada@example.com")
    await customers.update_customer(db, "bob", cid, 1, {"city": "London", "phone": "123"})
    with pytest.raises(ConflictError) as info:
        await customers.update_customer(db, "alice", cid, 1, {"city": "Paris"})
    assert "bob" in str(info.value) and "city, phone" in str(info.value)
    assert (await customers.get_customer(db, cid)).city == "London"


async def test_link_relink_unlink_with_version_checks(db) -> None:
    ada = await f.add_customer(db, "ada@example.com")
    bob = await f.add_customer(db, "bob@example.com", first_name="Bob")
    oid = await f.add_order(db, "ORD-1")
    await f.add_order(db, "ORD-2", customer_id=ada)
    await f.add_order(db, "ORD-3", customer_id=ada)
    d = await customers.link_customer(db, "alice", oid, 1, ada)
    assert d.customer and d.customer.id == ada and d.version == 2
    assert await customers.count_other_orders(db, ada, oid) == 2
    d = await customers.link_customer(db, "alice", oid, 2, bob)
    assert d.customer and d.customer.id == bob and d.version == 3
    with pytest.raises(ConflictError) as info:
        await customers.unlink_customer(db, "carol", oid, 2)
    assert "alice" in str(info.value) and "customer" in str(info.value)
    d = await customers.unlink_customer(db, "carol", oid, 3)
    assert d.customer is None and d.version == 4
    events = (await audit.order_history(db, oid)).items
    assert [(e.action, e.operator) for e in events] == [
        ("unlinked", "carol"),
        ("linked", "alice"),
        ("linked", "alice"),
    ]
    assert events[0].changes["customer"] == ["bob@example.com", None]
    assert events[1].changes["customer"] == ["ada@example.com", "bob@example.com"]
    with pytest.raises(NotFound):
        await customers.link_customer(db, "alice", oid, 4, 999_999)
    assert await customers.count_other_orders(db, ada, oid) == 2


async def test_search_by_each_key_and_pages(db) -> None:
    for i in range(25):
        await f.add_customer(
            db,
            f"user{i:02d}@example.com",
            first_name="Pat",
            last_name=f"Smith{i:02d}",
            company_name=f"Acme {i:02d}",
        )
    await f.add_customer(
        db, "zed@other.example", first_name="Zed", last_name="Zulu", company_name="[b]Bold[/b] Inc"
    )
    assert [c.email for c in (await customers.search_customers(db, "ZED@")).items] == [
        "zed@other.example"
    ]
    assert len((await customers.search_customers(db, "zed zu")).items) == 1
    assert len((await customers.search_customers(db, "zulu")).items) == 1
    assert len((await customers.search_customers(db, "[b]bold")).items) == 1
    first = await customers.search_customers(db, "smith", limit=10)
    assert len(first.items) == 10 and first.has_more
    seen = [c.id for c in first.items]
    page = first
    while page.has_more:
        page = await customers.search_customers(db, "smith", cursor=page.cursor, limit=10)
        seen.extend(c.id for c in page.items if c.id not in seen)
    assert len(seen) == 25
    everyone = await customers.search_customers(db, "", limit=100)
    assert len(everyone.items) == 26 and not everyone.has_more


async def test_simultaneous_creates_with_one_email_one_wins(db) -> None:
    import asyncio

    o1 = await f.add_order(db, "ORD-1")
    o2 = await f.add_order(db, "ORD-2")
    results = await asyncio.gather(
        customers.create_customer(db, "alice", o1, 1, {"email": "same@example.com"}),
        customers.create_customer(db, "bob", o2, 1, {"email": "Same@Example.com"}),
        return_exceptions=True,
    )
    taken = [r for r in results if isinstance(r, EmailTaken)]
    assert len(taken) == 1, results
    winner = next(r for r in results if not isinstance(r, BaseException))
    assert winner.customer is not None and taken[0].customer_id == winner.customer.id
    assert len((await customers.search_customers(db, "same@")).items) == 1
