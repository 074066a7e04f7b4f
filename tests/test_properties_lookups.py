"""The service entry points the write properties do not cover, fed anything.

- Lookups that take an operator's text (the orders search and its next page, the customer
  search, an Order ID, a product or policy code, the history's Order ID) answer with what they
  found or NotFound, for any text: hostile strings, NUL and the lone surrogates that non-UTF-8
  command-line bytes become (those reached the driver and raised, on both databases).
- Reads that take ids (license pages, history, counts, an order, a deletion preview, a
  customer, a product, its policies, a license line to resolve) answer for any id, existing or
  not: what was found, or NotFound / a field error.
- The remaining versioned writes (unlink a customer, delete an order, remove a manager, resend
  an invite) either refuse with a conflict or not-found and write nothing, or do exactly their
  change with exactly one more audit event.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from orderview.db.models import License, LicenseManager, Order
from orderview.schemas.issuing import LineInput
from orderview.services import (
    audit,
    catalog,
    customers,
    deletion,
    issuing,
    manager_invites,
    orders,
    removal,
)
from orderview.services.errors import ConflictError, FieldErrors, NotFound
from orderview.settings import Settings
from tests import factories as f
from tests.property_support import HARD, Harness, harness, prop, texts

lookup_texts = st.one_of(texts, st.sampled_from(HARD), st.sampled_from(["ORD-P", "ord-p", "APP"]))
ids = st.one_of(st.integers(-2, 5), st.integers(-(2**31), 2**31 - 1))


def test_lookups_take_any_text(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:

        @prop(examples)
        @given(lookup_texts)
        def check(text: str) -> None:
            found = h.run(orders.search_orders(h.db, text))
            if text.strip() and "ORD-P".lower().startswith(text.strip().lower()):
                assert h.order_id in [o.id for o in found.items]
            if text.strip():
                more = h.run(orders.search_more(h.db, text, {o.id for o in found.items}))
                assert not {o.id for o in more.items} & {o.id for o in found.items}
            matches = h.run(customers.search_customers(h.db, text))
            assert all(c.id for c in matches.items)
            by_id, error = h.attempt(lambda: orders.get_order_by_store_id(h.db, text))
            # Order IDs and product codes ignore case (and the spaces around a typed one).
            assert (by_id is not None and by_id.store_id == "ORD-P") or isinstance(error, NotFound)
            assert (by_id is not None) == (text.strip().lower() == "ord-p")
            product, error = h.attempt(lambda: catalog.product_by_code(h.db, text))
            assert (product is not None) == (text.strip().casefold() == "app")
            assert product is not None or isinstance(error, NotFound)
            _policy, error = h.attempt(lambda: catalog.policy_by_code(h.db, h.product_id, text))
            assert _policy is not None or isinstance(error, NotFound)
            seen = h.run(audit.order_id_for_store_id(h.db, text))
            assert seen is None or isinstance(seen, int)

        check()


def test_pages_take_any_id(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:
        h.run(f.add_licenses(h.db, h.order_id, h.product_id, 5))

        @prop(examples)
        @given(
            st.one_of(st.just(h.order_id), ids),
            st.one_of(st.none(), ids),
            st.one_of(st.none(), ids),
        )
        def check(order_id: int, after_id: int | None, before_id: int | None) -> None:
            page = h.run(
                orders.page_licenses(h.db, order_id, after_id=after_id, before_id=before_id)
            )
            total = h.run(orders.count_licenses(h.db, order_id))
            assert len(page.items) <= total
            if order_id == h.order_id and after_id is None and before_id is None:
                assert total == 5 and len(page.items) == 5
            up_to = h.run(orders.count_licenses(h.db, order_id, up_to_id=after_id))
            assert 0 <= up_to <= total
            history = h.run(audit.order_history(h.db, order_id, before_id=before_id))
            assert all(e.order_id == order_id for e in history.items)
            detail, error = h.attempt(lambda: orders.get_order(h.db, order_id))
            assert detail is not None or isinstance(error, NotFound)
            preview, error = h.attempt(lambda: deletion.deletion_preview(h.db, order_id))
            assert (preview is None) == (detail is None)
            # The same id as a customer, product or policy id: found, or NotFound.
            for lookup in (customers.get_customer, catalog.get_product, catalog.get_policy):
                found, error = h.attempt(lambda lookup=lookup: lookup(h.db, order_id))
                assert found is not None or isinstance(error, NotFound)
            assert h.run(customers.count_other_orders(h.db, order_id, after_id)) >= 0
            assert all(
                p.product_id == order_id for p in h.run(catalog.list_policies(h.db, order_id))
            )
            default = h.run(catalog.default_policy(h.db, order_id))
            assert default is None or default.product_id == order_id
            lines, error = h.attempt(
                lambda: issuing.resolve_lines(
                    h.db, [LineInput(product_id=order_id, policy_id=before_id)]
                )
            )
            assert lines is not None or isinstance(error, FieldErrors | NotFound)

        check()


async def _count(h: Harness, model: Any, *where: Any) -> int:
    async with h.db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_versioned_removals(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:
        conf = Settings(db=url, plan="enterprise")
        made: list[str] = []

        @prop(max(examples // 3, 8))  # a resend hashes a password with argon2 on purpose
        @given(
            st.integers(-1, 1),
            st.booleans(),
            st.sampled_from(["unlink", "delete", "remove", "resend"]),
        )
        def check(stale: int, missing: bool, action: str) -> None:
            made.append(action)
            order_id = h.run(f.add_order(h.db, f"ORD-R{len(made)}", customer_id=h.customer_id))
            h.run(f.add_licenses(h.db, order_id, h.product_id, 3))
            manager_id = h.run(f.add_manager(h.db, order_id, email=f"m{len(made)}@example.com"))
            detail = h.run(orders.get_order(h.db, order_id))
            version = detail.version + stale
            target = order_id + 10**6 if missing else order_id
            mine = next(m for m in detail.managers if m.manager_id == manager_id)
            assignment = mine.assignment_id
            other = assignment + 10**6 if missing else assignment
            shown = h.run(deletion.deletion_preview(h.db, order_id)).fingerprint
            asked = h.run(removal.removal_preview(h.db, assignment)).fingerprint
            calls = {
                "unlink": lambda: customers.unlink_customer(h.db, "prop", target, version),
                "delete": lambda: deletion.delete_order(
                    h.db, "prop", target, version, fingerprint=shown
                ),
                "remove": lambda: removal.remove_manager(
                    h.db,
                    other,
                    version=mine.assignment_version + stale,
                    actor="prop",
                    fingerprint=asked,
                ),
                "resend": lambda: manager_invites.resend_invite(
                    h.db, conf, other, version=mine.assignment_version + stale, actor="prop"
                ),
            }
            before = h.audit_count()
            licenses = h.run(_count(h, License, License.order_id == order_id))
            result, error = h.attempt(calls[action])
            if error is not None:
                assert isinstance(error, ConflictError | NotFound), error
                assert missing or stale != 0
                assert h.run(_count(h, License, License.order_id == order_id)) == licenses
                assert h.run(_count(h, Order, Order.id == order_id)) == 1
                return
            assert not missing and stale == 0
            assert h.audit_count() == before + 1
            if action == "unlink":
                assert result.customer is None
                assert h.run(customers.get_customer(h.db, h.customer_id)).id == h.customer_id
            elif action == "delete":
                assert h.run(_count(h, Order, Order.id == order_id)) == 0
                assert h.run(_count(h, License, License.order_id == order_id)) == 0
            else:
                managers_now = h.run(orders.get_order(h.db, order_id)).managers
                kept = [m for m in managers_now if m.assignment_id == assignment]
                assert kept == [] if action == "remove" else len(kept) == 1
                assert h.run(_count(h, LicenseManager, LicenseManager.email == mine.email)) == 1

        check()


async def test_nul_is_found_where_it_can_be_stored(db) -> None:
    """SQLite can hold a NUL (from an import), so searching for it finds the order; PostgreSQL
    cannot, so the same search finds nothing instead of failing in the driver."""
    if db.dialect == "sqlite":
        order_id = await f.add_order(db, "ORD-N", reference="nul\x00byte")
        found = await orders.search_orders(db, "NUL\x00B")
        assert [o.id for o in found.items] == [order_id]
    else:
        await f.add_order(db, "ORD-N", reference="nul byte")
        assert (await orders.search_orders(db, "nul\x00b")).items == []
    assert (await orders.search_orders(db, "nul\udcffb")).items == []
