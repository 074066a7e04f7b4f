"""Every pydantic input schema, fed anything: it either refuses with field errors or returns a
clean value that meets the rule it promises (no controls, within length, idempotent)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderview.safetext import has_unsafe
from orderview.schemas.customer import (
    CUSTOMER_FIELDS,
    CustomerFields,
    check_email,
    validate_customer_changes,
    validate_new_customer,
)
from orderview.schemas.entitlements import ENTITLEMENT_FIELDS, FIELD_LABELS, parse_entitlements
from orderview.schemas.issuing import (
    LineInput,
    parse_emails,
    parse_keys,
    parse_quantity,
    resolve_line,
)
from orderview.schemas.managers import parse_manager, parse_permissions
from orderview.schemas.new_order import parse_new_order
from orderview.schemas.order import EDITABLE_ORDER_FIELDS, OrderChanges, validate_order_changes
from orderview.services.catalog import PolicyView, ProductView
from orderview.services.errors import FieldErrors
from tests.hostile_corpus import STRINGS

FAST = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

texts = st.one_of(
    st.sampled_from(STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2070), max_size=30),
)
scalars = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(-10, 10**7),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
)
emails = st.one_of(
    st.emails().map(str),
    texts,
    st.sampled_from(
        [
            "ada@example.com",
            "ADA@Example.COM",
            " x@y.de ",
            "a@b",
            "a@@b.c",
            "ä@bücher.de",
            "x@xn--bcher-kva.de",
            "a..b@c.de",
            "<script>@x.de",
            "a@b.c",
        ]
    ),
)


def _max_length(model: type, name: str) -> int | None:
    for meta in model.model_fields[name].metadata:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    return None


def _assert_field_errors(exc: FieldErrors, given_keys: set[str]) -> None:
    assert exc.errors, "a refusal names at least one field"
    for name, message in exc.errors.items():
        # Messages may quote the refused input (controls included): screens show them
        # through safetext, so only their presence is a property here.
        assert isinstance(name, str) and isinstance(message, str) and message.strip()


def _check_clean_text(model: type, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if isinstance(value, str):
            assert not has_unsafe(value), (name, value)
            assert value == value.strip()
            limit = _max_length(model, name)
            if limit is not None:
                assert len(value) <= limit


@FAST
@given(
    st.dictionaries(
        st.sampled_from([*EDITABLE_ORDER_FIELDS, "store_id", "version"]), scalars, max_size=7
    )
)
def test_order_changes(changes: dict[str, Any]) -> None:
    try:
        clean = validate_order_changes(changes)
    except FieldErrors as exc:
        _assert_field_errors(exc, set(changes))
        return
    assert set(clean) == set(changes) <= set(EDITABLE_ORDER_FIELDS)
    _check_clean_text(OrderChanges, clean)
    assert validate_order_changes(clean) == clean  # idempotent: what is stored passes again


customer_values = st.fixed_dictionaries(
    {},
    optional={
        name: (
            emails
            if name == "email"
            else st.one_of(
                texts, st.sampled_from(["DE", "de", " us ", "XX", "+49 (30) 1234-5", "SW1A 1AA"])
            )
        )
        for name in CUSTOMER_FIELDS
    },
)


@FAST
@given(customer_values)
def test_customer_fields(fields: dict[str, Any]) -> None:
    for validate in (validate_new_customer, validate_customer_changes):
        try:
            clean = validate(fields)
        except FieldErrors as exc:
            _assert_field_errors(exc, set(fields))
            continue
        _check_clean_text(CustomerFields, clean)
        if validate is validate_new_customer:
            assert clean["email"] and check_email(clean["email"]) == clean["email"]
            assert validate_new_customer(clean) == clean
        else:
            assert validate_customer_changes(clean) == clean


entitlement_values = st.dictionaries(
    st.sampled_from([*ENTITLEMENT_FIELDS, "bogus"]),
    st.one_of(
        scalars,
        st.sampled_from(
            [
                "perpetual",
                "time-limited",
                "subscription",
                "consumption",
                "30d",
                "6m",
                "1y",
                "0d",
                "2999-12-31",
                "2000-02-30",
                "2100-01-01",
                "daily",
                "weekly",
                "1",
                "0",
                "-1",
            ]
        ),
    ),
    max_size=8,
)


@FAST
@given(entitlement_values)
def test_entitlements(values: dict[str, Any]) -> None:
    try:
        e = parse_entitlements(values)
    except FieldErrors as exc:
        _assert_field_errors(exc, set(values))
        return
    stored = e.values()
    assert set(stored) == set(FIELD_LABELS)
    assert parse_entitlements(stored).values() == stored  # what is written passes again
    assert len(stored["note"]) <= 2000


PRODUCT_KEY = ProductView(1, "App", "APP", "license-key", True)
PRODUCT_USER = ProductView(2, "Seat", "SEAT", "user", True)


@FAST
@given(
    st.booleans(),
    entitlement_values,
    st.one_of(st.none(), st.integers(-5, 200_000), texts),
    st.one_of(
        st.none(),
        texts,
        st.lists(texts, max_size=4),
        st.just("H4ZH-VL2X-9GJJ-X2J6 h4zhvl2x9gjjx2j7"),
    ),
    st.one_of(st.none(), texts, st.lists(emails, max_size=4)),
)
def test_product_line(user_based: bool, values: dict, quantity: Any, keys: Any, users: Any) -> None:
    product = PRODUCT_USER if user_based else PRODUCT_KEY
    line = LineInput(
        product_id=product.id, values=values, quantity=quantity, keys=keys, user_emails=users
    )
    try:
        resolved = resolve_line(line, product, None)
    except FieldErrors as exc:
        _assert_field_errors(exc, set())
        return
    assert 1 <= resolved.quantity <= 100_000
    if user_based:
        assert len(resolved.user_emails) == resolved.quantity and not resolved.keys
        assert not any(has_unsafe(e) for e in resolved.user_emails)
    else:
        assert not resolved.user_emails
        assert not resolved.keys or len(resolved.keys) == resolved.quantity
        assert parse_keys(list(resolved.keys)) == list(resolved.keys)


@FAST
@given(st.one_of(texts, st.lists(texts, max_size=5)))
def test_keys_emails_quantity(value: Any) -> None:
    for parse_one in (parse_keys, parse_emails, parse_quantity):
        try:
            parse_one(value)
        except FieldErrors as exc:
            _assert_field_errors(exc, set())


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "store_id": texts,
            "reference": texts,
            "customer_id": st.one_of(st.none(), st.integers(-3, 10)),
            "new_customer": st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {"email": emails},
                    optional={"first_name": texts, "company_name": texts, "phone": texts},
                ),
            ),
        },
    )
)
def test_new_order(data: dict[str, Any]) -> None:
    try:
        order = parse_new_order(data)
    except FieldErrors as exc:
        _assert_field_errors(exc, set(data))
        return
    assert not has_unsafe(order.store_id) and len(order.store_id) <= 100
    if order.new_customer is not None:
        # A customer created by the wizard must be one the Customer dialog accepts too.
        validate_new_customer(order.new_customer.model_dump())


@FAST
@given(
    st.fixed_dictionaries(
        {"email": emails},
        optional={
            "first_name": texts,
            "last_name": texts,
            "phone_number": texts,
            "permissions": st.lists(
                st.sampled_from(
                    [
                        "manage_license_users",
                        "reset_device",
                        "create_order",
                        "issue_license",
                        "bogus",
                    ]
                ),
                max_size=4,
            ),
            "send_invite": st.booleans(),
        },
    )
)
def test_manager_input(data: dict[str, Any]) -> None:
    try:
        form = parse_manager(data)
    except FieldErrors as exc:
        _assert_field_errors(exc, set(data))
        return
    # Manager names keep bidi marks by decision (schemas/managers.py: shown literally, as
    # <U+202E>); C0/C1 controls are refused like everywhere else.
    for value in (form.email, form.first_name, form.last_name, form.phone_number):
        assert not re.search("[\x00-\x1f\x7f-\x9f]", value), value
    assert parse_permissions(form.permissions) == form.permissions
    assert parse_manager(form.model_dump()) == form


def test_policy_view_is_accepted_by_lines() -> None:
    """Guard for the fixtures above: a policy-backed line resolves."""
    policy = PolicyView(7, 1, "Standard", "std", True, {"license_type": "perpetual"})
    line = resolve_line(LineInput(product_id=1, policy_id=7, quantity=2), PRODUCT_KEY, policy)
    assert line.quantity == 2 and line.policy_code == "std"
