"""Reading orders through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from orderview.services import orders
from orderview.services.errors import NotFound
from tests import factories as f


async def test_search_by_each_field_and_key(db) -> None:
    product_id, policy_id = await f.add_product(db)
    cust = await f.add_customer(db, email="Ada@Example.com", company_name="ACME [Ltd]")
    o1 = await f.add_order(db, "ORD-1001", reference="PO-77", customer_id=cust)
    await f.add_order(db, "ORD-2002")
    keys = await f.add_licenses(db, o1, product_id, 3, policy_id)

    async def ids(text: str) -> list[str]:
        return [s.store_id for s in (await orders.search_orders(db, text)).items]

    assert await ids("ord-1001") == ["ORD-1001"]
    assert await ids("po-7") == ["ORD-1001"]
    assert await ids("ada@EX") == ["ORD-1001"]
    assert await ids("acme [l") == ["ORD-1001"]
    assert await ids("ada lov") == ["ORD-1001"]
    assert await ids(keys[0][:7].lower().replace("-", "")) == ["ORD-1001"]
    assert await ids("nothing-like-this") == []
    assert sorted(await ids("")) == ["ORD-1001", "ORD-2002"]
    row = (await orders.search_orders(db, "ORD-1001")).items[0]
    assert row.license_count == 3 and row.customer == "ACME [Ltd]"


async def test_get_order_and_page_licenses(db) -> None:
    product_id, policy_id = await f.add_product(db)
    oid = await f.add_order(db, "BIG-1")
    await f.add_licenses(db, oid, product_id, 250, policy_id)
    await f.add_manager(db, oid, permissions=["reset_device", "manage_license_users"])
    detail = await orders.get_order_by_store_id(db, "BIG-1")
    assert detail.license_count == 250 and detail.customer is None
    assert detail.managers[0].permissions == ["manage_license_users", "reset_device"]
    first = await orders.page_licenses(db, oid, limit=100)
    assert len(first.items) == 100 and first.has_more
    second = await orders.page_licenses(db, oid, after_id=first.items[-1].id, limit=100)
    third = await orders.page_licenses(db, oid, after_id=second.items[-1].id, limit=100)
    assert len(third.items) == 50 and not third.has_more
    back = await orders.page_licenses(db, oid, before_id=third.items[0].id, limit=100)
    assert [r.id for r in back.items] == [r.id for r in second.items]
    assert first.items[0].status == "Inactive"
    with pytest.raises(NotFound):
        await orders.get_order_by_store_id(db, "NOPE")


async def test_search_continues_past_the_first_page(db) -> None:
    """A search is paged: search_more brings the matches not shown yet, never a repeat,
    until every match has been seen (by Order ID and by a shared customer alike)."""
    from datetime import timedelta

    acme = await f.add_customer(db, email="buyer@acme.example", company_name="Acme")
    for i in range(23):
        await f.add_order(db, f"ACM-{i:03d}", created_at=f.T0 + timedelta(minutes=i))
    for i in range(9):
        await f.add_order(db, f"X-{i}", customer_id=acme, created_at=f.T0 + timedelta(hours=i))
    await f.add_order(db, "OTHER-1")
    first = await orders.search_orders(db, "ac", limit=10)
    assert len(first.items) == 10 and first.has_more
    shown = [s.id for s in first.items]
    while True:
        page = await orders.search_more(db, "ac", set(shown), limit=10)
        assert not set(shown) & {s.id for s in page.items}
        shown += [s.id for s in page.items]
        if not page.has_more:
            break
        assert len(page.items) == 10
    assert len(shown) == len(set(shown)) == 32
    everything = await orders.search_orders(db, "ac", limit=100)
    assert set(shown) == {s.id for s in everything.items} and not everything.has_more
