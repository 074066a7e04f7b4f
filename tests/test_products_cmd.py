"""Issue 15: CLI product and policy codes ignore case, a wrong code lists the valid ones, and
``orderview products [--json]`` lists products with their policies (both databases)."""

from __future__ import annotations

import asyncio
import json

import pytest

from orderview.cli import exit_codes
from orderview.cli import main as cli_main
from orderview.services import catalog
from orderview.services.errors import NotFound
from orderview.services.order_create import create_order
from tests import factories


async def _catalog(db) -> None:
    await factories.add_product(db, "ATLAS", "Atlas CAD")
    await factories.add_product(db, "TEAM", "[b]Team[/b]\x1b[2J", method="user")
    await factories.add_product(db, "OLD", "Old Tool")
    await create_order(db, "t", {"store_id": "ORD-9"})


async def test_codes_ignore_case_and_a_wrong_one_lists_the_valid_ones(db) -> None:
    await _catalog(db)
    product = await catalog.product_by_code(db, "atlas")
    assert product.short_code == "ATLAS"
    assert (await catalog.product_by_code(db, " Team ")).short_code == "TEAM"
    assert (await catalog.policy_by_code(db, product.id, "STD")).code == "std"
    with pytest.raises(NotFound) as caught:
        await catalog.product_by_code(db, "atlsa")
    assert str(caught.value) == "no product with code 'atlsa'; valid codes: ATLAS, OLD, TEAM"
    with pytest.raises(NotFound) as caught:
        await catalog.policy_by_code(db, product.id, "gold")
    assert str(caught.value) == "no policy 'gold' for this product; valid policies: std"


async def test_cli_issue_with_lower_case_codes_and_products_listing(db_url, db, capsys) -> None:
    await _catalog(db)
    await db.engine.dispose()  # the commands below open their own connections

    async def main(argv: list[str]) -> int:
        return await asyncio.to_thread(cli_main, argv)

    assert (
        await main(["issue", "ord-9", "--product", "atlas", "--policy", "STD", "--db", db_url]) == 0
    )
    _out, err = capsys.readouterr()
    assert "issued 1 license(s) into ORD-9" in err
    assert (
        await main(["issue", "ORD-9", "--product", "nope", "--db", db_url]) == exit_codes.NOT_FOUND
    )
    assert capsys.readouterr().err == (
        "orderview: error: no product with code 'nope'; valid codes: ATLAS, OLD, TEAM\n"
    )
    assert await main(["products", "--db", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "PRODUCT",
        "NAME",
        "BY",
        "STATUS",
        "POLICY",
        "POLICY",
        "NAME",
        "DEFAULT",
        "TYPE",
    ]
    assert lines[1].split()[:4] == ["ATLAS", "Atlas", "CAD", "key"]
    assert "[b]Team[/b]␛[2J" in lines[3] and "\x1b" not in "".join(lines)  # data is inert
    assert await main(["products", "--json", "--db", db_url]) == 0
    listed = json.loads(capsys.readouterr().out)["products"]
    assert [
        (p["short_code"], p["authorization_method"], [q["code"] for q in p["policies"]])
        for p in listed
    ] == [
        ("ATLAS", "license-key", ["std"]),
        ("OLD", "license-key", ["std"]),
        ("TEAM", "user", ["std"]),
    ]
    assert listed[0]["policies"][0]["is_default"] is True
    assert "max_activations" in listed[0]["policies"][0]
