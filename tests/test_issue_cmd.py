"""``orderview issue`` and ``orderview order create`` on a real SQLite database."""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import select

from orderview.cli import issue_cmd
from orderview.cli.context import CLIError, Context
from orderview.db.engine import Database
from orderview.db.models import License, LicensePolicy
from orderview.keys import is_valid_key
from orderview.services import orders
from orderview.settings import Settings
from tests import factories


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orderview")
    issue_cmd.register(
        parser, parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False)
    )
    return parser


async def _run(db: Database, *argv: str) -> int:
    args = _parser().parse_args(list(argv))
    return await args.handler(args, Context(Settings(db="unused"), "cli-op", db))


async def _keys(db: Database) -> list[License]:
    async with db.sessions() as s:
        return list(await s.scalars(select(License).order_by(License.id)))


async def test_issue_prints_keys_from_the_default_policy(sqlite_db, capsys) -> None:
    _pid, pol = await factories.add_product(sqlite_db, max_activations=4)
    await factories.add_order(sqlite_db, "ORD-9")
    assert (
        await _run(
            sqlite_db, "issue", "ORD-9", "--product", "APP", "--quantity", "3", "--note", "from cli"
        )
        == 0
    )
    out = capsys.readouterr()
    keys = out.out.split()
    assert len(keys) == 3 and all(is_valid_key(k) for k in keys)
    assert "issued 3 license(s) into ORD-9" in out.err
    rows = await _keys(sqlite_db)
    assert sorted(r.license_key for r in rows) == sorted(keys)
    assert {(r.policy_id, r.max_activations, r.note) for r in rows} == {(pol, 4, "from cli")}


async def test_issue_json_with_named_policy(sqlite_db, capsys) -> None:
    pid, _ = await factories.add_product(sqlite_db)
    async with sqlite_db.sessions.begin() as s:
        s.add(
            LicensePolicy(
                product_id=pid,
                name="Annual",
                code="annual",
                license_type="time-limited",
                valid_duration="1y",
            )
        )
    await factories.add_order(sqlite_db, "ORD-9")
    assert (
        await _run(sqlite_db, "issue", "ORD-9", "--product", "APP", "--policy", "annual", "--json")
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert (doc["order"], doc["issued"], doc["lines"][0]["policy"]) == ("ORD-9", 1, "annual")
    [row] = await _keys(sqlite_db)
    assert doc["lines"][0]["keys"] == [row.license_key]
    assert (row.license_type, row.valid_duration) == ("time-limited", "1y")


async def test_issue_user_based(sqlite_db, capsys) -> None:
    await factories.add_product(sqlite_db, "TEAM", method="user")
    await factories.add_order(sqlite_db, "ORD-9")
    with pytest.raises(CLIError, match="user-based"):
        await _run(sqlite_db, "issue", "ORD-9", "--product", "TEAM")
    assert (
        await _run(
            sqlite_db, "issue", "ORD-9", "--product", "TEAM", "--user", "a@x.io", "--user", "b@x.io"
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["a@x.io", "b@x.io"]


async def test_flags_of_the_other_license_model_are_refused_not_ignored(sqlite_db) -> None:
    """``--user`` on a key-based product and ``--quantity`` on a user-based one were silently
    dropped (a key issued for nobody, or one license where five were asked)."""
    await factories.add_product(sqlite_db, "APP")
    await factories.add_product(sqlite_db, "TEAM", method="user")
    await factories.add_order(sqlite_db, "ORD-9")
    with pytest.raises(CLIError, match="APP is key-based: --user is for user-based products"):
        await _run(sqlite_db, "issue", "ORD-9", "--product", "APP", "--user", "a@x.io")
    with pytest.raises(CLIError, match="TEAM is user-based: one license per --user"):
        await _run(
            sqlite_db, "issue", "ORD-9", "--product", "TEAM", "--user", "a@x.io", "--quantity", "5"
        )
    assert await _keys(sqlite_db) == []


@pytest.mark.parametrize(
    "argv,message",
    [
        (["issue", "NOPE", "--product", "APP"], "no order"),
        (["issue", "ORD-9", "--product", "XYZ"], "no product"),
        (["issue", "ORD-9", "--product", "APP", "--policy", "zzz"], "no policy"),
    ],
)  # a quantity out of range is argparse's to refuse: tests/test_cli_numbers.py
async def test_issue_mistakes_are_one_line_errors(sqlite_db, argv, message) -> None:
    await factories.add_product(sqlite_db)
    await factories.add_order(sqlite_db, "ORD-9")
    with pytest.raises(CLIError, match=message):
        await _run(sqlite_db, *argv)
    assert await _keys(sqlite_db) == []


async def test_order_create(sqlite_db, capsys) -> None:
    cid = await factories.add_customer(sqlite_db, email="ada@example.com")
    assert (
        await _run(
            sqlite_db,
            "order",
            "create",
            "--store-id",
            "SHOP-1",
            "--reference",
            "R1",
            "--customer",
            "ADA@example.com",
            "--json",
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert (doc["store_id"], doc["reference"], doc["customer"]) == (
        "SHOP-1",
        "R1",
        "ada@example.com",
    )
    detail = await orders.get_order_by_store_id(sqlite_db, "SHOP-1")
    assert detail.customer and detail.customer.id == cid
    assert await _run(sqlite_db, "order", "create", "--customer", "new@x.io") == 0
    generated = capsys.readouterr().out.strip()
    created = await orders.get_order_by_store_id(sqlite_db, generated)
    assert generated.startswith("ORD-") and created.customer
    assert created.customer.email == "new@x.io"
    with pytest.raises(CLIError, match="exists"):
        await _run(sqlite_db, "order", "create", "--store-id", "SHOP-1")


async def test_history_of_an_issuance_names_products_and_quantities(sqlite_db, capsys) -> None:
    from orderview.history_text import event_lines
    from orderview.services import audit

    await factories.add_product(sqlite_db)
    oid = await factories.add_order(sqlite_db, "ORD-H")
    assert await _run(sqlite_db, "issue", "ORD-H", "--product", "APP", "--quantity", "2") == 0
    event = (await audit.order_history(sqlite_db, oid)).items[0]
    assert event.action == "issued" and event.summary
    text = "\n".join(event_lines(event))
    assert event.summary in text and "APP" in text
