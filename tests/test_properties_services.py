"""Every service write entry point, fed anything: it refuses with a field error (or permission,
conflict, not-found) and writes nothing, or it stores a record that reads back as validated,
with its search keys and exactly one more audit event. Nothing else may escape.

Hypothesis drives sync test functions; each test owns one event loop and one database, so an
example costs one service call, not an engine. SQLite gets the full run, PostgreSQL a smaller one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from orderview.db.engine import Database
from orderview.db.models import Customer, License, Order
from orderview.schemas.customer import (
    CUSTOMER_FIELDS,
    validate_customer_changes,
    validate_new_customer,
)
from orderview.schemas.entitlements import ENTITLEMENT_FIELDS
from orderview.schemas.issuing import LineInput
from orderview.schemas.order import EDITABLE_ORDER_FIELDS, validate_order_changes
from orderview.services import (
    customers,
    issuing,
    managers,
    order_create,
    order_edit,
    orders,
    removal,
)
from orderview.services.errors import ConflictError, FieldErrors, NotFound, PermissionDenied
from orderview.services.normalize import lc
from orderview.settings import Settings
from tests.property_support import (
    HARD,
    emails,
    harness,
    prop,
    scalars,
    texts,
)


def test_update_order(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:

        @prop(examples)
        @given(
            st.dictionaries(
                st.sampled_from([*EDITABLE_ORDER_FIELDS, "store_id"]), scalars, max_size=6
            ),
            st.integers(-1, 1),
        )
        def check(changes: dict[str, Any], stale: int) -> None:
            version = h.run(orders.get_order(h.db, h.order_id)).version
            expected_version = version + stale
            before = h.audit_count()
            result, error = h.attempt(
                lambda: order_edit.update_order(h.db, "prop", h.order_id, expected_version, changes)
            )
            if error is not None:
                if isinstance(error, ConflictError):
                    assert stale != 0
                return
            assert stale == 0
            clean = validate_order_changes(changes)
            for name, value in clean.items():
                assert getattr(result, name) == value
            changed = result.version != version
            assert h.audit_count() == before + (1 if changed else 0)
            stored = h.run(_order_row(h.db, h.order_id))
            assert stored.reference_lc == lc(stored.reference)
            if stored.reference.strip():
                found = h.run(orders.search_orders(h.db, stored.reference[:12]))
                assert h.order_id in [o.id for o in found.items]

        check()


async def _order_row(db: Database, order_id: int) -> Order:
    async with db.sessions() as s:
        row = await s.get(Order, order_id)
        assert row is not None
        return row


customer_fields = st.fixed_dictionaries(
    {"email": emails},
    optional={
        name: st.one_of(texts, st.sampled_from(["DE", "us", "+1 555 0100", "10115"]))
        for name in CUSTOMER_FIELDS
        if name != "email"
    },
)


def test_create_update_link_customer(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:

        @prop(examples)
        @given(
            customer_fields,
            st.dictionaries(st.sampled_from(CUSTOMER_FIELDS), st.one_of(texts, emails), max_size=4),
            st.integers(-2, 50),
        )
        def check(fields: dict[str, Any], changes: dict[str, Any], link_to: int) -> None:
            version = h.run(orders.get_order(h.db, h.order_id)).version
            detail, error = h.attempt(
                lambda: customers.create_customer(h.db, "prop", h.order_id, version, fields)
            )
            if detail is not None:
                clean = validate_new_customer(fields)
                assert detail.customer is not None
                for name, value in clean.items():
                    assert getattr(detail.customer, name) == value
                found = h.run(customers.search_customers(h.db, clean["email"]))
                assert detail.customer.id in [c.id for c in found.items]
                customer = detail.customer
            else:
                assert isinstance(error, FieldErrors)
                customer = h.run(orders.get_order(h.db, h.order_id)).customer
                assert customer is not None
            view, error = h.attempt(
                lambda: customers.update_customer(
                    h.db, "prop", customer.id, customer.version, changes, order_id=h.order_id
                )
            )
            if view is not None:
                for name, value in validate_customer_changes(changes).items():
                    assert getattr(view, name) == value
                row = h.run(_customer_row(h.db, customer.id))
                assert row.email_lc == lc(row.email)
                assert row.company_lc == lc(row.company_name)
            else:
                assert isinstance(error, FieldErrors)
            version = h.run(orders.get_order(h.db, h.order_id)).version
            linked, error = h.attempt(
                lambda: customers.link_customer(h.db, "prop", h.order_id, version, link_to)
            )
            if linked is not None:
                assert linked.customer is not None and linked.customer.id == link_to
            else:
                assert isinstance(error, NotFound)

        check()


async def _customer_row(db: Database, customer_id: int) -> Customer:
    async with db.sessions() as s:
        row = await s.get(Customer, customer_id)
        assert row is not None
        return row


entitlements = st.dictionaries(
    st.sampled_from(ENTITLEMENT_FIELDS),
    st.one_of(
        scalars, st.sampled_from(["time-limited", "consumption", "30d", "2999-01-01", "1", "daily"])
    ),
    max_size=5,
)


def test_issue_licenses_and_create_order(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:

        @prop(examples)
        @given(
            st.booleans(),
            entitlements,
            st.one_of(st.none(), st.integers(-1, 4), texts),
            st.one_of(st.none(), texts, st.lists(emails, max_size=3)),
            st.fixed_dictionaries(
                {},
                optional={
                    "store_id": texts,
                    "reference": texts,
                    "new_customer": st.fixed_dictionaries(
                        {"email": emails}, optional={"first_name": texts, "phone": texts}
                    ),
                },
            ),
        )
        def check(user: bool, values: dict, quantity: Any, users: Any, new: dict) -> None:
            product = h.user_product_id if user else h.product_id
            line = LineInput(
                product_id=product, values=values, quantity=quantity, user_emails=users
            )
            count = h.run(orders.count_licenses(h.db, h.order_id))
            result, error = h.attempt(
                lambda: issuing.issue_licenses(h.db, "prop", h.order_id, [line])
            )
            after = h.run(orders.count_licenses(h.db, h.order_id))
            if result is None:
                assert isinstance(error, FieldErrors) and after == count  # all or nothing
            else:
                assert after == count + result.total and result.total >= 1
            created, error = h.attempt(lambda: order_create.create_order(h.db, "prop", new))
            if created is None:
                assert isinstance(error, FieldErrors)
                return
            order = created.order
            assert order.store_id.strip() and order.version == 1
            if new.get("new_customer") is not None:
                assert order.customer is not None
                validate_new_customer(
                    {k: getattr(order.customer, k) for k in ("email", "first_name", "phone")}
                )
            found = h.run(orders.search_orders(h.db, order.store_id))
            assert found.items and found.items[0].id == order.id

        check()


def test_managers_add_and_edit(backend: tuple[str, int]) -> None:
    url, examples = backend
    with harness(url) as h:

        @prop(max(examples // 2, 10))  # argon2 hashing makes each add ~50 ms on purpose
        @given(
            st.sampled_from(["standard", "enterprise"]),
            st.fixed_dictionaries(
                {"email": emails},
                optional={
                    "first_name": texts,
                    "last_name": texts,
                    "phone_number": texts,
                    "send_invite": st.booleans(),
                    "permissions": st.lists(
                        st.sampled_from(
                            ["manage_license_users", "reset_device", "issue_license", "nope"]
                        ),
                        max_size=3,
                    ),
                },
            ),
            st.lists(
                st.sampled_from(["reset_license", "create_order", "borrow_license", "x"]),
                max_size=3,
            ),
            st.integers(-1, 1),
        )
        def check(plan: str, data: dict, permissions: list, stale: int) -> None:
            conf = Settings(db=url, plan=plan)
            added, error = h.attempt(
                lambda: managers.add_manager(h.db, conf, h.order_id, data, actor="prop")
            )
            if added is None:
                assert isinstance(error, FieldErrors | PermissionDenied)
                if isinstance(error, PermissionDenied):
                    assert plan == "standard"
                return
            detail = h.run(orders.get_order(h.db, h.order_id))
            mine = [m for m in detail.managers if m.assignment_id == added.assignment_id]
            assert len(mine) == 1 and lc(mine[0].email) == lc(data["email"].strip())
            version = mine[0].assignment_version
            new_version, error = h.attempt(
                lambda: managers.update_permissions(
                    h.db,
                    conf,
                    added.assignment_id,
                    permissions,
                    version=version + stale,
                    actor="prop",
                )
            )
            if new_version is None:
                assert isinstance(error, FieldErrors | PermissionDenied | ConflictError)
                if isinstance(error, ConflictError):
                    assert stale != 0
            else:
                assert stale == 0
                detail = h.run(orders.get_order(h.db, h.order_id))
                held = [
                    m.permissions for m in detail.managers if m.assignment_id == added.assignment_id
                ]
                assert sorted(held[0]) == sorted(set(permissions))
            shown = h.run(removal.removal_preview(h.db, added.assignment_id)).fingerprint
            h.run(
                removal.remove_manager(
                    h.db,
                    added.assignment_id,
                    version=new_version or version,
                    actor="prop",
                    fingerprint=shown,
                )
            )

        check()


def test_no_license_written_outside_a_successful_call(sqlite_path: Path) -> None:
    """Guard: the harness itself sees writes (a property over nothing proves nothing)."""
    with harness(str(sqlite_path)) as h:
        h.run(
            issuing.issue_licenses(
                h.db, "prop", h.order_id, [LineInput(product_id=h.product_id, quantity=3)]
            )
        )

        async def total() -> int:
            async with h.db.sessions() as s:
                return int(await s.scalar(select(func.count(License.id))) or 0)

        assert h.run(total()) == 3 and h.audit_count() == 1


@pytest.mark.parametrize("bad", HARD)
def test_hard_characters_are_field_errors_everywhere(backend: tuple[str, int], bad: str) -> None:
    """Each text entry point refuses them by field; none reaches the driver as an error."""
    url, _ = backend
    with harness(url) as h:
        version = h.run(orders.get_order(h.db, h.order_id)).version
        conf = Settings(db=url)
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "order": lambda: order_edit.update_order(
                h.db, "p", h.order_id, version, {"reference": bad}
            ),
            "customer": lambda: customers.create_customer(
                h.db, "p", h.order_id, version, {"email": "n@x.de", "city": bad}
            ),
            "customer_edit": lambda: customers.update_customer(
                h.db, "p", h.customer_id, 1, {"company_name": bad}
            ),
            "note": lambda: issuing.issue_licenses(
                h.db, "p", h.order_id, [LineInput(product_id=h.product_id, values={"note": bad})]
            ),
            "user_email": lambda: issuing.issue_licenses(
                h.db,
                "p",
                h.order_id,
                [LineInput(product_id=h.user_product_id, user_emails=[f"u{bad}@x.de"])],
            ),
            "new_order": lambda: order_create.create_order(h.db, "p", {"store_id": bad}),
            "manager": lambda: managers.add_manager(
                h.db, conf, h.order_id, {"email": "m@x.de", "last_name": bad}, actor="p"
            ),
        }
        for name, call in calls.items():
            result, error = h.attempt(call)
            assert isinstance(error, FieldErrors), (name, result, error)
