"""The search order (docs/invariants.md, "Search order"): for any text, the first N results are
exactly the first N of the complete ordered result, for every N and every page boundary of
``search_more``, and ``has_more`` is true exactly when more exist. Checked against a plain,
obviously correct oracle (filter and sort every row in Python) over generated data with every
kind of match, ties on ``created_at`` and many customers sharing a prefix, on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from orderview.db.models import Customer, License, Order
from orderview.services import orders
from orderview.services.normalize import customer_keys, key_prefix, lc
from tests import factories as f
from tests.property_support import Harness, harness, prop

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# A tiny alphabet: Order IDs, references, customer names and emails share prefixes all over.
short = st.text(alphabet="aAbB-1", min_size=1, max_size=4)
key_groups = st.lists(st.text(alphabet="AB", min_size=4, max_size=4), min_size=4, max_size=4)


@dataclass
class Row:
    """One generated order and what the oracle needs to know about it."""

    store_id: str
    reference: str
    customer: int | None
    at: int  # hours after T0: few values, so ties on created_at are common
    keys: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


customers = st.lists(st.tuples(short, short, short, short), min_size=1, max_size=8)
rows = st.lists(
    st.builds(
        Row,
        store_id=short,
        reference=st.one_of(st.just(""), short),
        customer=st.one_of(st.none(), st.integers(0, 7)),
        at=st.integers(0, 3),
        keys=st.lists(key_groups.map("-".join), max_size=2),
        users=st.lists(
            st.tuples(short, st.sampled_from(["x.example", "Y.example"])).map("@".join), max_size=2
        ),
    ),
    min_size=1,
    max_size=18,
)


async def _seed(h: Harness, people: list[tuple[str, str, str, str]], data: list[Row]) -> dict:
    """Writes the data (Order IDs unique regardless of case, keys unique); returns
    ``order id -> the oracle's view of it``."""
    async with h.db.sessions.begin() as s:
        for table in (License, Order, Customer):
            await s.execute(delete(table))
    customer_ids, keys_of = [], {}
    for i, (local, first, last, company) in enumerate(people):
        email = f"{local}{i}@ex.example"
        customer_ids.append(
            await f.add_customer(
                h.db, email=email, first_name=first, last_name=last, company_name=company
            )
        )
        keys_of[customer_ids[-1]] = list(customer_keys(email, first, last, company).values())
    seen_ids, seen_keys, truth = set(), set(), {}
    for row in data:
        if lc(row.store_id) in seen_ids:
            continue
        seen_ids.add(lc(row.store_id))
        cid = customer_ids[row.customer % len(customer_ids)] if row.customer is not None else None
        oid = await f.add_order(
            h.db,
            row.store_id,
            reference=row.reference,
            customer_id=cid,
            created_at=T0 + timedelta(hours=row.at),
        )
        keys = [k for k in dict.fromkeys(row.keys) if k not in seen_keys]
        seen_keys.update(keys)
        if keys:
            await f.add_licenses(h.db, oid, h.product_id, len(keys), keys=keys)
        async with h.db.sessions.begin() as s:
            for user in row.users:
                s.add(
                    License(
                        order_id=oid,
                        product_id=h.user_product_id,
                        user_email=user,
                        user_email_lc=lc(user),
                        created_at=T0,
                        updated_at=T0,
                    )
                )
        truth[oid] = (row, keys_of.get(cid, []), keys)
    return truth


def oracle(truth: dict, text: str) -> list[int]:
    """Every matching order, in the documented order: kind of match, newest, highest id."""
    needle, prefix = lc(text), key_prefix(text)
    found = []
    for oid, (row, customer_keys_, keys) in truth.items():
        kinds = [
            lc(row.store_id) == needle,
            lc(row.store_id).startswith(needle),
            lc(row.reference).startswith(needle),
            any(k.startswith(needle) for k in customer_keys_),
            any(lc(u).startswith(needle) for u in row.users)
            or bool(prefix and any(k.startswith(prefix) for k in keys)),
        ]
        if any(kinds):
            found.append((kinds.index(True), -row.at, -oid, oid))
    return [oid for *_, oid in sorted(found)]


def _texts(truth: dict) -> st.SearchStrategy[str]:
    known = [row.store_id for row, _, _ in truth.values()]
    known += [k[:n] for _, _, keys in truth.values() for k in keys for n in (4, 6, 9)]
    known += [k.replace("-", "").lower()[:5] for _, _, keys in truth.values() for k in keys]
    return st.one_of(short, st.sampled_from(known), st.sampled_from(["x", "y.", "abab"]))


def test_search_is_the_prefix_of_one_total_order(backend: tuple[str, int]) -> None:
    url, examples = backend

    with harness(url) as h:

        @prop(examples)
        @given(people=customers, data=rows, pick=st.data())
        def check(people: list, data: list[Row], pick: st.DataObject) -> None:
            truth = h.run(_seed(h, people, data))
            for _ in range(3):
                text = pick.draw(_texts(truth))
                full = oracle(truth, text)
                for limit in range(1, len(full) + 2):
                    page = h.run(orders.search_orders(h.db, text, limit))
                    assert [s.id for s in page.items] == full[:limit], (text, limit)
                    assert page.has_more == (len(full) > limit), (text, limit)
                size = pick.draw(st.integers(1, 4))
                first = h.run(orders.search_orders(h.db, text, size))
                shown, more = [s.id for s in first.items], first.has_more
                while more:
                    page = h.run(orders.search_more(h.db, text, set(shown), size))
                    assert [s.id for s in page.items] == full[len(shown) : len(shown) + size]
                    shown += [s.id for s in page.items]
                    more = page.has_more
                    assert more == (len(full) > len(shown)), (text, size)
                assert shown == full, text

        check()


async def test_search_finds_a_license_user_email_written_by_issuing(db) -> None:
    """Issue 15: a user-based license is found by its user email (any case, by prefix), as a
    key-based one by its key; the issuing service writes the search copy on both databases."""
    from orderview.schemas.issuing import LineInput
    from orderview.services.issuing import issue_licenses

    seats, policy = await f.add_product(db, "SEAT", "Seat", "user")
    older = await f.add_order(db, "ORD-1")
    newer = await f.add_order(db, "ORD-2", created_at=T0 + timedelta(days=400))
    for order_id, emails in ((older, "Zed.Quinn@Example.COM"), (newer, "zoe.q@example.com")):
        await issue_licenses(
            db, "ann", order_id, [LineInput(product_id=seats, policy_id=policy, user_emails=emails)]
        )
    assert [s.store_id for s in (await orders.search_orders(db, "ZED.Q")).items] == ["ORD-1"]
    found = await orders.search_orders(db, "z")
    assert [s.store_id for s in found.items] == ["ORD-2", "ORD-1"]  # newest first
    assert not (await orders.search_orders(db, "example.com")).items  # a prefix, not a part


def test_cli_limits_are_prefixes_of_one_order(tmp_path, capsys) -> None:
    """``orderview search Driftwood --limit 5 / 10 / 12 / 100`` give prefixes of one list,
    the newest matching order first (it was left out at --limit 10)."""
    import json

    from orderview.cli import main
    from orderview.db.engine import open_database
    from orderview.db.migrate import ensure_schema

    path = str(tmp_path / "d.db")

    async def seed() -> None:
        db = open_database(path)
        await ensure_schema(db)
        for i in range(30):
            cid = await f.add_customer(
                db,
                email=f"c{i:02}@driftwood.example",
                first_name="",
                last_name="",
                company_name=f"Driftwood {i:02}",
            )
            await f.add_order(
                db, f"SHOP-{i:04}", customer_id=cid, created_at=T0 + timedelta(days=(i * 7) % 30)
            )
        await db.dispose()

    import asyncio

    asyncio.run(seed())
    lists = {}
    for limit in (5, 10, 12, 100):
        capsys.readouterr()
        assert main(["search", "Driftwood", "--limit", str(limit), "--json", "--db", path]) == 0
        doc = json.loads(capsys.readouterr().out)
        lists[limit] = [o["store_id"] for o in doc["orders"]]
        assert doc["has_more"] == (limit < 30)
    newest = sorted(range(30), key=lambda i: ((i * 7) % 30, i), reverse=True)
    assert lists[100] == [f"SHOP-{i:04}" for i in newest]
    assert all(lists[n] == lists[100][:n] for n in (5, 10, 12))


async def test_demo_user_emails_are_searchable(db) -> None:
    """The demo generator writes the user email's search copy as the services do."""
    from sqlalchemy import select

    from orderview.demo import generate_demo

    await generate_demo(db, orders=60, seed=5)
    async with db.sessions() as s:
        users = (
            await s.execute(
                select(License.order_id, License.user_email, License.user_email_lc).where(
                    License.user_email.is_not(None)
                )
            )
        ).all()
    assert users and all(low == lc(email) for _, email, low in users)
    order_id, email, _ = users[-1]
    found = await orders.search_orders(db, email.upper(), limit=200)
    assert order_id in [s.id for s in found.items]
