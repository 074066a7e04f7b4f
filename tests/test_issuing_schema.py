"""Validation of issuing input: pure functions, no database."""

from __future__ import annotations

from datetime import date

import pytest

from orderview.schemas.entitlements import fields_for_type, parse_entitlements
from orderview.schemas.issuing import LineInput, resolve_line
from orderview.schemas.new_order import parse_new_order
from orderview.services.catalog import PolicyView, ProductView
from orderview.services.errors import FieldErrors

KEYED = ProductView(1, "App Pro", "APP", "license-key", True)
USERS = ProductView(2, "Team", "TEAM", "user", True)
ANNUAL = PolicyView(
    10,
    1,
    "Annual",
    "annual",
    True,
    {
        "license_type": "time-limited",
        "valid_duration": "1y",
        "max_activations": 3,
        "max_transfers": 0,
        "is_trial": False,
        "trial_days": 14,
    },
)


def errors_of(values: dict, **line: object) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        resolve_line(LineInput(product_id=1, policy_id=10, values=values, **line), KEYED, ANNUAL)
    return caught.value.errors


def test_policy_values_are_copied_and_typed_values_override() -> None:
    line = resolve_line(
        LineInput(product_id=1, policy_id=10, values={"max_activations": "5", "note": "VIP"}),
        KEYED,
        ANNUAL,
    )
    e = line.entitlements
    assert (e.license_type, e.valid_duration, e.max_activations, e.note) == (
        "time-limited",
        "1y",
        5,
        "VIP",
    )
    # trial_days was on the policy but trial is off: cleared, and not reported as a difference
    assert e.trial_days is None
    assert line.differences == {"max_activations": (3, 5), "note": ("", "VIP")}
    assert line.quantity == 1


@pytest.mark.parametrize("duration", ["0d", "30", "d", "12345d", "1w", "3.5m", "-1y", "1 y"])
def test_duration_is_parsed_strictly(duration: str) -> None:
    assert "valid_duration" in errors_of({"valid_duration": duration})


@pytest.mark.parametrize(
    "duration,stored", [("30d", "30d"), ("6m", "6m"), (" 2Y ", "2y"), ("9999d", "9999d")]
)
def test_good_durations(duration: str, stored: str) -> None:
    line = resolve_line(
        LineInput(product_id=1, policy_id=10, values={"valid_duration": duration}), KEYED, ANNUAL
    )
    assert line.entitlements.valid_duration == stored


@pytest.mark.parametrize(
    "value,message",
    [
        ("2026-02-30", "no such date"),
        ("0000-00-00", "no such date"),
        ("1999-12-31", "year must be"),
        ("31/12/2097", "YYYY-MM-DD"),
        ("2097-1-5", "YYYY-MM-DD"),
    ],
)
def test_impossible_dates_are_refused(value: str, message: str) -> None:
    errors = errors_of({"license_type": "subscription", "validity_period": value})
    assert message in errors["validity_period"]


def test_time_limited_needs_exactly_one_of_duration_or_date() -> None:
    assert "not both" in errors_of({"validity_period": "2097-01-01"})["valid_duration"]
    assert "duration" in errors_of({"valid_duration": ""})["valid_duration"]
    line = resolve_line(
        LineInput(
            product_id=1,
            policy_id=10,
            values={"valid_duration": "", "validity_period": "2097-06-30"},
        ),
        KEYED,
        ANNUAL,
    )
    assert line.entitlements.validity_period == date(2097, 6, 30)
    assert line.entitlements.valid_duration is None


def test_end_dates_in_the_past_are_refused() -> None:
    errors = errors_of(
        {
            "license_type": "subscription",
            "validity_period": "2020-01-01",
            "maintenance_period": "2020-01-01",
            "start_date": "2019-01-01",
        }
    )
    assert errors == {
        "validity_period": "this end date has already passed",
        "maintenance_period": "this maintenance date has already passed",
    }


def test_start_after_end_is_refused() -> None:
    errors = errors_of(
        {
            "license_type": "subscription",
            "validity_period": "2097-01-01",
            "start_date": "2097-01-02",
        }
    )
    assert errors == {"start_date": "the start date is after the end date"}


def test_subscription_fields() -> None:
    assert "end date" in errors_of({"license_type": "subscription"})["validity_period"]
    line = resolve_line(
        LineInput(
            product_id=1,
            policy_id=10,
            values={
                "license_type": "subscription",
                "validity_period": "2097-03-01",
                "grace_period": "7",
            },
        ),
        KEYED,
        ANNUAL,
    )
    e = line.entitlements
    assert (e.validity_period, e.grace_period, e.valid_duration) == (date(2097, 3, 1), 7, None)


def test_consumption_fields() -> None:
    consumption = {"license_type": "consumption"}
    assert "max_consumptions" in errors_of(consumption)
    assert "max_overages" in errors_of(
        {**consumption, "allow_unlimited_consumptions": True, "allow_overages": True}
    )
    assert "consumption_period" in errors_of(
        {**consumption, "max_consumptions": "10", "reset_consumption": True}
    )
    assert "consumption_period" in errors_of(
        {
            **consumption,
            "max_consumptions": "10",
            "reset_consumption": True,
            "consumption_period": "hourly",
        }
    )
    e = resolve_line(
        LineInput(
            product_id=1,
            policy_id=10,
            values={
                **consumption,
                "max_consumptions": "500",
                "allow_overages": True,
                "max_overages": "0",
                "reset_consumption": True,
                "consumption_period": "weekly",
            },
        ),
        KEYED,
        ANNUAL,
    ).entitlements
    assert (e.max_consumptions, e.allow_overages, e.max_overages, e.consumption_period) == (
        500,
        True,
        0,
        "weekly",
    )
    assert e.valid_duration is None  # the policy's duration does not apply to consumption


def test_activations_trial_floating_maintenance() -> None:
    assert "max_activations" in errors_of({"max_activations": "0"})
    assert "max_activations" in errors_of({"max_activations": "1e3"})
    assert "trial_days" in errors_of({"is_trial": True, "trial_days": ""})
    assert "floating_users" in errors_of({"is_floating": True})
    assert "maintenance_duration" in errors_of(
        {"maintenance_duration": "1y", "maintenance_period": "2098-01-01"}
    )
    assert "is_trial" in errors_of({"is_trial": "yes"})
    e = resolve_line(
        LineInput(
            product_id=1,
            policy_id=10,
            values={
                "allow_unlimited_activations": True,
                "is_floating": True,
                "floating_users": "5",
                "floating_timeout": "30",
                "prevent_vm": True,
                "maintenance_duration": "2y",
                "max_transfers": "4",
            },
        ),
        KEYED,
        ANNUAL,
    ).entitlements
    assert (
        e.max_activations,
        e.allow_unlimited_activations,
        e.floating_users,
        e.floating_timeout,
        e.prevent_vm,
        e.maintenance_duration,
        e.max_transfers,
    ) == (None, True, 5, 30, True, "2y", 4)


def test_unknown_field_and_unknown_type() -> None:
    assert "owner" in errors_of({"owner": "x"})
    assert "license_type" in errors_of({"license_type": "forever"})


@pytest.mark.parametrize("quantity", ["0", "100001", "ten", "", "-3", "2.0"])
def test_quantity_bounds(quantity: str) -> None:
    assert "quantity" in errors_of({}, quantity=quantity)


def test_quantity_upper_bound_is_allowed() -> None:
    line = resolve_line(LineInput(product_id=1, policy_id=10, quantity="100000"), KEYED, ANNUAL)
    assert line.quantity == 100_000


def test_pasted_keys_are_normalised_and_checked() -> None:
    line = resolve_line(
        LineInput(product_id=1, policy_id=10, keys="h4zh-vl2x-9gjj-x2j6\nH4ZHVL2X9GJJX2J7, "),
        KEYED,
        ANNUAL,
    )
    assert line.keys == ("H4ZH-VL2X-9GJJ-X2J6", "H4ZH-VL2X-9GJJ-X2J7")
    assert line.quantity == 2
    assert "not a license key" in errors_of({}, keys="H4ZH-VL2X-9GJJ-X2J0")["keys"]  # 0
    assert "pasted twice" in errors_of({}, keys="H4ZH-VL2X-9GJJ-X2J6 h4zhvl2x9gjjx2j6")["keys"]
    assert "quantity" in errors_of({}, keys="H4ZH-VL2X-9GJJ-X2J6", quantity="3")


def test_user_based_products_take_emails() -> None:
    line = resolve_line(LineInput(product_id=2, user_emails="a@x.io, b@x.io"), USERS, None)
    assert line.user_emails == ("a@x.io", "b@x.io") and line.quantity == 2
    for emails, message in (
        ("", "at least one"),
        ("a@x.io nope", "not an email"),
        ("a@x.io A@X.IO", "listed twice"),
    ):
        with pytest.raises(FieldErrors) as caught:
            resolve_line(LineInput(product_id=2, user_emails=emails), USERS, None)
        assert message in caught.value.errors["user_emails"]
    with pytest.raises(FieldErrors) as caught:
        resolve_line(
            LineInput(product_id=2, user_emails="a@x.io", keys="H4ZH-VL2X-9GJJ-X2J6"), USERS, None
        )
    assert "keys" in caught.value.errors


def test_policy_must_belong_to_its_product() -> None:
    with pytest.raises(FieldErrors) as caught:
        resolve_line(LineInput(product_id=2, policy_id=10, user_emails="a@x.io"), USERS, ANNUAL)
    assert "does not belong" in caught.value.errors["policy"]


def test_custom_values_report_what_they_set() -> None:
    line = resolve_line(LineInput(product_id=1, values={"max_activations": "2"}), KEYED, None)
    assert line.policy_label == "custom values"
    assert line.differences["license_type"] == (None, "perpetual")
    assert line.differences["max_activations"] == (None, 2)


def test_fields_for_type_show_only_what_applies() -> None:
    assert "valid_duration" not in fields_for_type("perpetual")
    assert "grace_period" in fields_for_type("subscription")
    assert "consumption_period" in fields_for_type("consumption")
    assert "max_consumptions" not in fields_for_type("time-limited")
    with pytest.raises(FieldErrors):
        parse_entitlements({"license_type": "consumption", "max_consumptions": "0"})


def test_new_order_validation() -> None:
    order = parse_new_order(
        {
            "store_id": " ",
            "reference": "PO-1",
            "new_customer": {"email": "n@x.io", "first_name": "N"},
        }
    )
    assert order.store_id == "" and order.new_customer and order.new_customer.email == "n@x.io"
    with pytest.raises(FieldErrors) as caught:
        parse_new_order(
            {"store_id": "A\x1b[2J", "customer_id": 3, "new_customer": {"email": "nope"}}
        )
    assert set(caught.value.errors) == {"store_id", "customer.email", "customer"}
    with pytest.raises(FieldErrors) as caught:
        parse_new_order({"store_id": "x" * 101})
    assert "100" in caught.value.errors["store_id"]
