"""Issuing licenses and creating orders through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Customer, License, LicensePolicy, Order
from orderview.keys import is_valid_key
from orderview.schemas.issuing import LineInput
from orderview.services import catalog, issuing_rows
from orderview.services.errors import ConflictError, FieldErrors, LineErrors, NotFound
from orderview.services.issuing import issue_licenses
from orderview.services.order_create import create_order
from orderview.services.order_ids import generate_store_id
from tests.factories import add_customer, add_licenses, add_order, add_product


async def licenses(db: Database, order_id: int | None = None) -> list[License]:
    query = select(License).order_by(License.id)
    if order_id is not None:
        query = query.where(License.order_id == order_id)
    async with db.sessions() as s:
        return list(await s.scalars(query))


async def events(db: Database, action: str) -> list[AuditEvent]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


async def test_catalog_lists_products_and_default_policy_first(db: Database) -> None:
    pid, default_id = await add_product(db, "APP", "App Pro")
    await add_product(db, "OLD", "Old thing")
    async with db.sessions.begin() as s:
        s.add(
            LicensePolicy(
                product_id=pid,
                name="Annual",
                code="annual",
                license_type="time-limited",
                valid_duration="1y",
            )
        )
    from orderview.db.models import Product

    async with db.sessions.begin() as s:
        (await s.get(Product, 2)).active = False
    products = await catalog.list_products(db)
    assert [p.short_code for p in products] == ["APP"]
    assert len(await catalog.list_products(db, include_inactive=True)) == 2
    policies = await catalog.list_policies(db, pid)
    assert next(p.id for p in policies) == default_id and policies[0].is_default
    assert policies[1].defaults["valid_duration"] == "1y"
    assert (await catalog.policy_by_code(db, pid, "annual")).name == "Annual"
    with pytest.raises(NotFound):
        await catalog.product_by_code(db, "NOPE")


async def test_issue_copies_policy_and_overrides_typed_values(db: Database) -> None:
    pid, pol = await add_product(
        db, license_type="time-limited", valid_duration="1y", max_activations=3, prevent_vm=True
    )
    oid = await add_order(db)
    result = await issue_licenses(
        db,
        "ann",
        oid,
        [
            LineInput(
                product_id=pid,
                policy_id=pol,
                quantity=3,
                values={"max_activations": "5", "note": "n"},
            )
        ],
    )
    assert result.total == 3 and len(set(result.identities)) == 3
    assert all(is_valid_key(k) for k in result.identities)
    rows = await licenses(db, oid)
    assert sorted(r.license_key for r in rows) == sorted(result.identities)
    for r in rows:
        assert (
            r.license_type,
            r.valid_duration,
            r.max_activations,
            r.prevent_vm,
            r.note,
            r.policy_id,
            r.product_id,
            r.enabled,
            r.user_email,
        ) == ("time-limited", "1y", 5, True, "n", pol, pid, True, None)
    [event] = await events(db, "issued")
    assert (event.entity, event.entity_id, event.order_id, event.operator) == (
        "order",
        oid,
        oid,
        "ann",
    )
    line = event.snapshot["lines"][0]
    assert (line["product"], line["policy"], line["quantity"]) == ("APP", "std", 3)
    assert sorted(line["keys"]) == sorted(result.identities)
    assert line["differences"] == {"max_activations": [3, 5], "note": ["", "n"]}
    assert event.changes == {"license_count": [0, 3]}


@pytest.mark.parametrize(
    "values,expected",
    [
        (
            {"license_type": "subscription", "validity_period": "2097-05-31", "grace_period": "7"},
            {"validity_period": date(2097, 5, 31), "grace_period": 7, "valid_duration": None},
        ),
        (
            {
                "license_type": "consumption",
                "max_consumptions": "100",
                "allow_overages": True,
                "max_overages": "10",
                "reset_consumption": True,
                "consumption_period": "monthly",
            },
            {
                "max_consumptions": 100,
                "allow_overages": True,
                "max_overages": 10,
                "reset_consumption": True,
                "consumption_period": "monthly",
            },
        ),
        (
            {"license_type": "consumption", "allow_unlimited_consumptions": True},
            {"max_consumptions": None, "allow_unlimited_consumptions": True},
        ),
        (
            {
                "license_type": "perpetual",
                "is_trial": True,
                "trial_days": "14",
                "start_date": "2097-01-01",
                "maintenance_period": "2098-01-01",
                "is_floating": True,
                "floating_users": "5",
                "floating_timeout": "30",
                "allow_unlimited_activations": True,
                "max_transfers": "2",
            },
            {
                "is_trial": True,
                "trial_days": 14,
                "start_date": date(2097, 1, 1),
                "maintenance_period": date(2098, 1, 1),
                "is_floating": True,
                "floating_users": 5,
                "floating_timeout": 30,
                "max_activations": None,
                "allow_unlimited_activations": True,
                "max_transfers": 2,
            },
        ),
        (
            {"license_type": "time-limited", "valid_duration": "", "validity_period": "2097-12-31"},
            {"valid_duration": None, "validity_period": date(2097, 12, 31)},
        ),
    ],
)
async def test_each_license_type_is_stored_as_validated(
    db: Database, values: dict, expected: dict
) -> None:
    pid, pol = await add_product(db, license_type="time-limited", valid_duration="6m")
    oid = await add_order(db)
    await issue_licenses(db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, values=values)])
    [row] = await licenses(db, oid)
    assert {k: getattr(row, k) for k in expected} == expected
    assert row.license_type == values["license_type"]


async def test_invalid_values_write_nothing(db: Database) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    with pytest.raises(FieldErrors) as caught:
        await issue_licenses(
            db,
            "ann",
            oid,
            [
                LineInput(
                    product_id=pid,
                    policy_id=pol,
                    values={"license_type": "subscription", "validity_period": "2097-02-29"},
                )
            ],
        )
    assert caught.value.errors == {"validity_period": "no such date"}
    assert await licenses(db) == [] and await events(db, "issued") == []


async def test_policy_of_another_product_is_refused(db: Database) -> None:
    pid, _ = await add_product(db, "APP")
    _, other_pol = await add_product(db, "OTHER")
    oid = await add_order(db)
    with pytest.raises(FieldErrors) as caught:
        await issue_licenses(db, "ann", oid, [LineInput(product_id=pid, policy_id=other_pol)])
    assert "does not belong" in caught.value.errors["policy"]


async def test_pasted_keys(db: Database) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    [used] = await add_licenses(db, oid, pid, 1)
    with pytest.raises(LineErrors) as caught:
        await issue_licenses(
            db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, keys=f"{used.lower()}")]
        )
    assert used in caught.value.errors["keys"] and "already used" in caught.value.errors["keys"]
    with pytest.raises(FieldErrors, match="pasted twice"):
        await issue_licenses(
            db,
            "ann",
            oid,
            [LineInput(product_id=pid, policy_id=pol, keys="ABCD-EFGH-JKMN-PQRS ABCDEFGHJKMNPQRS")],
        )
    with pytest.raises(FieldErrors, match="not a license key"):
        await issue_licenses(
            db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, keys="ABCD-EFGH-JKMN-PQR")]
        )
    with pytest.raises(LineErrors) as across:
        await issue_licenses(
            db,
            "ann",
            oid,
            [
                LineInput(product_id=pid, policy_id=pol, keys="ABCD-EFGH-JKMN-PQRS"),
                LineInput(product_id=pid, policy_id=pol, keys="abcdefghjkmnpqrs"),
            ],
        )
    assert across.value.line == 1 and "line 1" in across.value.errors["keys"]
    assert len(await licenses(db)) == 1
    result = await issue_licenses(
        db,
        "ann",
        oid,
        [LineInput(product_id=pid, policy_id=pol, keys="abcd-efgh-jkmn-pqrs\nABCD-EFGH-JKMN-PQRT")],
    )
    assert result.identities == ["ABCD-EFGH-JKMN-PQRS", "ABCD-EFGH-JKMN-PQRT"]
    assert len(await licenses(db)) == 3


async def test_user_based_product_gets_one_license_per_email(db: Database) -> None:
    pid, pol = await add_product(db, "TEAM", method="user")
    oid = await add_order(db)
    result = await issue_licenses(
        db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, user_emails="a@x.io\nb@x.io")]
    )
    assert result.lines[0].user_emails == ("a@x.io", "b@x.io") and result.lines[0].keys == ()
    rows = await licenses(db, oid)
    assert [(r.user_email, r.license_key) for r in rows] == [("a@x.io", None), ("b@x.io", None)]
    with pytest.raises(FieldErrors, match="already licensed"):
        await issue_licenses(
            db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, user_emails="A@X.IO")]
        )
    [event] = await events(db, "issued")
    assert event.snapshot["lines"][0]["user_emails"] == ["a@x.io", "b@x.io"]


async def test_several_lines_in_one_issuance(db: Database) -> None:
    app, app_pol = await add_product(db, "APP")
    team, _team_pol = await add_product(db, "TEAM", method="user")
    oid = await add_order(db)
    result = await issue_licenses(
        db,
        "ann",
        oid,
        [
            LineInput(product_id=app, policy_id=app_pol, quantity="2"),
            LineInput(
                product_id=team,
                policy_id=None,
                user_emails="u@x.io",
                values={"license_type": "subscription", "validity_period": "2097-01-31"},
            ),
        ],
    )
    assert [(line.product_code, line.quantity) for line in result.lines] == [
        ("APP", 2),
        ("TEAM", 1),
    ]
    rows = await licenses(db, oid)
    assert [r.product_id for r in rows] == [app, app, team]
    assert rows[2].policy_id is None and rows[2].license_type == "subscription"
    [event] = await events(db, "issued")
    assert "2 × APP (std), 1 × TEAM (custom values)" in event.summary


async def test_failure_in_the_last_line_leaves_no_license(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    [taken] = await add_licenses(db, oid, pid, 1)
    real = issuing_rows.generate_keys
    calls = {"n": 0}

    def colliding(count: int) -> list[str]:
        calls["n"] += 1
        # The first line gets real keys; every draw for the second line collides.
        return real(count) if calls["n"] == 1 else [taken] * count

    monkeypatch.setattr(issuing_rows, "generate_keys", colliding)
    monkeypatch.setattr(issuing_rows, "_fresh_keys", lambda n, issued: colliding(n))
    with pytest.raises(LineErrors) as caught:
        await issue_licenses(
            db,
            "ann",
            oid,
            [
                LineInput(product_id=pid, policy_id=pol, quantity=5),
                LineInput(product_id=pid, policy_id=pol, quantity=1),
            ],
        )
    assert caught.value.line == 1
    assert calls["n"] == 1 + 1 + issuing_rows.KEY_RETRIES  # retried, then gave up
    assert [r.license_key for r in await licenses(db)] == [taken]
    assert await events(db, "issued") == []


async def test_failure_mid_chunks_rolls_back(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    monkeypatch.setattr(issuing_rows, "CHUNK", 10)
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 30:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        await issue_licenses(
            db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, quantity=50)], progress
        )
    assert seen == [10, 20, 30]
    assert await licenses(db) == []


async def test_generated_collision_is_retried(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    [taken] = await add_licenses(db, oid, pid, 1)
    real = issuing_rows.generate_keys
    draws = iter([[taken]])
    monkeypatch.setattr(issuing_rows, "generate_keys", lambda n: next(draws, None) or real(n))
    result = await issue_licenses(db, "ann", oid, [LineInput(product_id=pid, policy_id=pol)])
    assert result.identities[0] != taken and len(await licenses(db)) == 2


async def test_issue_into_missing_or_deleted_order(db: Database) -> None:
    pid, pol = await add_product(db)
    with pytest.raises(NotFound):
        await issue_licenses(db, "ann", 999, [LineInput(product_id=pid, policy_id=pol)])
    async with db.sessions.begin() as s:
        s.add(
            AuditEvent(
                operator="bob",
                action="deleted",
                entity="order",
                entity_id=998,
                entity_version=2,
                order_id=998,
            )
        )
    with pytest.raises(ConflictError, match="deleted by bob"):
        await issue_licenses(db, "ann", 998, [LineInput(product_id=pid, policy_id=pol)])


async def test_progress_reports_every_chunk(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db)
    monkeypatch.setattr(issuing_rows, "CHUNK", 4)
    seen: list[tuple[int, int]] = []
    await issue_licenses(
        db,
        "ann",
        oid,
        [LineInput(product_id=pid, policy_id=pol, quantity=10)],
        lambda done, total: seen.append((done, total)),
    )
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert len(await licenses(db, oid)) == 10


async def test_create_order_with_new_customer_and_licenses(db: Database) -> None:
    pid, pol = await add_product(db)
    created = await create_order(
        db,
        "ann",
        {
            "store_id": "",
            "reference": "PO-7",
            "new_customer": {"email": "New@X.io", "first_name": "Nia", "company_name": "Nia Co"},
        },
        [LineInput(product_id=pid, policy_id=pol, quantity=2)],
    )
    order = created.order
    assert order.store_id.startswith("ORD-") and order.reference == "PO-7"
    assert order.customer and order.customer.email == "New@X.io" and order.license_count == 2
    assert created.issued and created.issued.total == 2
    async with db.sessions() as s:
        customer = await s.get(Customer, order.customer.id)
        row = await s.get(Order, order.id)
    assert customer and customer.email_lc == "new@x.io" and customer.company_lc == "nia co"
    assert row and row.reference_lc == "po-7" and row.store_id_lc == order.store_id.lower()
    assert [(e.entity, e.entity_id) for e in await events(db, "created")] == [
        ("customer", order.customer.id),
        ("order", order.id),
    ]
    assert len(await events(db, "issued")) == 1


async def test_create_order_customer_choices(db: Database) -> None:
    cid = await add_customer(db, email="ada@example.com")
    picked = await create_order(db, "ann", {"store_id": "SHOP-1", "customer_id": cid})
    assert picked.order.store_id == "SHOP-1" and picked.order.customer
    assert picked.order.customer.id == cid and picked.issued is None
    none = await create_order(db, "ann", {})
    assert none.order.customer is None and none.order.store_id != "SHOP-1"
    with pytest.raises(FieldErrors) as caught:
        await create_order(db, "ann", {"store_id": "SHOP-1"})
    assert "exists" in caught.value.errors["store_id"]
    with pytest.raises(FieldErrors) as caught:
        await create_order(db, "ann", {"new_customer": {"email": "ADA@example.com"}})
    assert "pick it" in caught.value.errors["customer.email"]
    with pytest.raises(FieldErrors):
        await create_order(db, "ann", {"customer_id": 4242})
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Order.id))) == 2


async def test_create_order_takes_the_order_fields_with_edit_orders_rules(db: Database) -> None:
    """Campaign params, download ID, language and the flags: stored by the creating
    transaction and in its audit event; refused by Edit order's own rules, nothing written."""
    with pytest.raises(FieldErrors) as caught:
        await create_order(
            db, "ann", {"language": "klingon", "download_id": "a\tb", "campaign_params": "c" * 501}
        )
    assert set(caught.value.errors) == {"language", "download_id", "campaign_params"}
    created = await create_order(
        db,
        "ann",
        {
            "store_id": "SHOP-9",
            "reference": "PO-9",
            "campaign_params": "cpg=web",
            "download_id": "DL-1",
            "language": "en_us",
            "is_test": True,
            "is_trial": True,
        },
    )
    order = created.order
    assert (
        order.campaign_params,
        order.download_id,
        order.language,
        order.is_test,
        order.is_trial,
        order.version,
    ) == ("cpg=web", "DL-1", "en-US", True, True, 1)
    [event] = await events(db, "created")
    assert event.changes["download_id"] == [None, "DL-1"]
    assert event.changes["is_trial"] == [None, True] and event.changes["language"][1] == "en-US"
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Order.id))) == 1


async def test_create_order_is_atomic_with_its_licenses(db: Database) -> None:
    pid, pol = await add_product(db)
    oid = await add_order(db, "ORD-OLD")
    [used] = await add_licenses(db, oid, pid, 1)
    with pytest.raises(FieldErrors):
        await create_order(
            db,
            "ann",
            {"store_id": "NEW-1", "new_customer": {"email": "z@x.io"}},
            [LineInput(product_id=pid, policy_id=pol, keys=used)],
        )
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Order.id))) == 1
        assert await s.scalar(select(func.count(Customer.id))) == 0
    assert await events(db, "created") == []


def test_generated_store_ids_look_right() -> None:
    ids = {generate_store_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == len("ORD-20260101-XXXXXX") and i.startswith("ORD-") for i in ids)


KILL_SCRIPT = """
import asyncio, os, signal, sys
from orderview.db.engine import open_database
from orderview.schemas.issuing import LineInput
from orderview.services import issuing, issuing_rows

issuing_rows.CHUNK = 100

def progress(done, total):
    if done >= 300:
        os.kill(os.getpid(), signal.SIGKILL)  # the operator's SSH session dies mid-issue

async def main():
    db = open_database(sys.argv[1])
    await issuing.issue_licenses(db, "ann", int(sys.argv[2]), [
        LineInput(product_id=int(sys.argv[3]), policy_id=int(sys.argv[4]), quantity=1000)],
        progress)

asyncio.run(main())
"""


async def test_killed_process_leaves_no_license(sqlite_db: Database, sqlite_path) -> None:
    import subprocess
    import sys

    pid, pol = await add_product(sqlite_db)
    oid = await add_order(sqlite_db)
    await sqlite_db.dispose()
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(sqlite_path), str(oid), str(pid), str(pol)],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    assert await licenses(sqlite_db) == [] and await events(sqlite_db, "issued") == []
    await issue_licenses(sqlite_db, "ann", oid, [LineInput(product_id=pid, policy_id=pol)])
    assert len(await licenses(sqlite_db)) == 1  # and the database is still usable


async def test_sqlite_fast_path_stores_exactly_what_the_orm_stores(sqlite_db: Database) -> None:
    """Issuing hands SQLite pre-converted tuples: the stored bytes must match an ORM insert."""
    from datetime import UTC, datetime

    pid, pol = await add_product(sqlite_db)
    oid = await add_order(sqlite_db)
    values = {
        "license_type": "subscription",
        "validity_period": "2097-02-28",
        "grace_period": "3",
        "start_date": "2096-12-01",
        "maintenance_period": "2097-01-01",
        "is_trial": True,
        "trial_days": "5",
        "is_floating": True,
        "floating_users": "2",
        "floating_timeout": "9",
        "prevent_vm": True,
        "note": "n\tö",
        "max_activations": "4",
    }
    result = await issue_licenses(
        sqlite_db, "ann", oid, [LineInput(product_id=pid, policy_id=pol, values=values)]
    )
    [issued] = await licenses(sqlite_db)
    async with sqlite_db.sessions.begin() as s:
        orm = License(
            **{
                c: getattr(issued, c)
                for c in (
                    "order_id",
                    "product_id",
                    "policy_id",
                    "license_type",
                    "valid_duration",
                    "validity_period",
                    "grace_period",
                    "max_consumptions",
                    "allow_unlimited_consumptions",
                    "total_consumptions",
                    "allow_overages",
                    "max_overages",
                    "reset_consumption",
                    "consumption_period",
                    "max_activations",
                    "allow_unlimited_activations",
                    "times_activated",
                    "max_transfers",
                    "transfer_count",
                    "prevent_vm",
                    "start_date",
                    "maintenance_duration",
                    "maintenance_period",
                    "is_trial",
                    "trial_days",
                    "is_floating",
                    "floating_users",
                    "floating_timeout",
                    "enabled",
                    "note",
                )
            },
            license_key="ABCD-EFGH-JKMN-PQRS",
            created_at=datetime(2026, 1, 2, 3, 4, 5, 6, UTC),
            updated_at=issued.updated_at,
        )
        s.add(orm)
    async with sqlite_db.engine.connect() as conn:
        raw = [
            dict(r._mapping)
            for r in await conn.exec_driver_sql("SELECT * FROM licenses ORDER BY id")
        ]
    fast, slow = raw
    assert fast["license_key"] == result.identities[0]
    for name in fast:
        if name not in ("id", "license_key", "created_at"):
            assert fast[name] == slow[name], name
    assert type(fast["created_at"]) is type(slow["created_at"])
    assert len(fast["created_at"]) == len(slow["created_at"])  # same text format
    await issue_licenses(sqlite_db, "ann", oid, [LineInput(product_id=pid, policy_id=pol)])
    assert len(await licenses(sqlite_db)) == 3  # and read back through the ORM
