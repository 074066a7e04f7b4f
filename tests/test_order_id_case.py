"""Order IDs are unique regardless of case (docs/invariants.md 11): the schema enforces it
(migration ``0002_order_id_nocase``, which reports existing clashes instead of failing), every
lookup by Order ID ignores case, and a second order differing only in case is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from orderview.cli import exit_codes, main
from orderview.db.engine import Database, open_database
from orderview.db.migrate import HEAD, UpgradeRefused, _alembic_config, current_revision, upgrade
from orderview.services import audit, orders
from orderview.services.deletion import delete_order, deletion_preview
from orderview.services.errors import FieldErrors
from orderview.services.order_create import create_order
from tests import factories as f


@pytest.fixture(autouse=True)
def private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("ORDERVIEW_DB", raising=False)


async def _downgrade(db: Database, revision: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), revision))


async def _insert_order(db: Database, store_id: str) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO orders (store_id, store_id_lc, reference, reference_lc, campaign_params,"
                " download_id, language, is_test, is_trial, order_type, created_at, updated_at,"
                " version) VALUES (:s, :lc, '', '', '', '', '', false, false, 'normal',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            ),
            {"s": store_id, "lc": store_id.lower()},
        )


async def test_upgrade_reports_clashing_order_ids_in_one_line_and_changes_nothing(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await _downgrade(db, "0001_initial")
    try:
        for store_id in ("MY-ORDER-1", "my-order-1", "Shop-7", "SHOP-7", "ok-1"):
            await _insert_order(db, store_id)
        with pytest.raises(UpgradeRefused) as caught:
            await upgrade(db)
        assert "'MY-ORDER-1' = 'my-order-1'" in str(caught.value)
        assert "'SHOP-7' = 'Shop-7'" in str(caught.value)
        assert await current_revision(db) == "0001_initial"
        await db.engine.dispose()  # the commands below open their own connections
        for argv in (["db", "upgrade"], ["show", "ok-1"]):
            assert (
                await asyncio.to_thread(main, [*argv, "--db", db_url]) == exit_codes.DB_UNAVAILABLE
            )
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "Traceback" not in err, err
            assert err.startswith("orderview: error: cannot ")
            assert "2 clash(es): 'MY-ORDER-1' = 'my-order-1'; 'SHOP-7' = 'Shop-7'" in err
        assert await current_revision(db) == "0001_initial"  # left as it was
        async with db.engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM orders"))).scalar()
        assert count == 5
        # Renamed as the message says: the upgrade goes through.
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE orders SET store_id = 'my-order-1b', "
                    "store_id_lc = 'my-order-1b' WHERE store_id = 'my-order-1'"
                )
            )
            await conn.execute(text("DELETE FROM orders WHERE store_id = 'Shop-7'"))
        await upgrade(db)
        assert await current_revision(db) == HEAD
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM orders"))
        await upgrade(db)


async def test_upgrade_fills_license_user_email_search_keys(db: Database) -> None:
    await _downgrade(db, "0001_initial")
    try:
        product_id, _ = await f.add_product(db, "SEAT", "Seat", "user")
        await _insert_order(db, "U-1")
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO licenses (order_id, product_id, user_email, license_type,"
                    " allow_unlimited_consumptions, total_consumptions, allow_overages,"
                    " reset_consumption, allow_unlimited_activations, times_activated,"
                    " max_transfers, transfer_count, prevent_vm, is_trial, is_floating, enabled,"
                    " note, created_at, updated_at) SELECT id, :p, 'Zoë.Ü@Example.COM',"
                    " 'perpetual', false, 0, false, false, false, 0, 0, 0, false, false, false,"
                    " true, '', created_at, created_at FROM orders"
                ),
                {"p": product_id},
            )
        await upgrade(db)
        found = await orders.search_orders(db, "zoë.ü@ex")
        assert [s.store_id for s in found.items] == ["U-1"]
    finally:
        await upgrade(db)


async def test_every_lookup_by_order_id_ignores_case(db: Database) -> None:
    oid = await f.add_order(db, "My-Order-1")
    await f.add_order(db, "MY-ORDER-10", created_at=f.T0.replace(year=2027))  # newer prefix
    for typed in ("My-Order-1", "MY-ORDER-1", "my-order-1"):
        assert (await orders.get_order_by_store_id(db, typed)).id == oid
        # enter in the search box opens the first result: the Order ID itself comes first
        assert (await orders.search_orders(db, typed)).items[0].id == oid
    preview = await deletion_preview(db, oid)
    await delete_order(db, "ann", oid, preview.version, fingerprint=preview.fingerprint)
    assert await audit.order_id_for_store_id(db, "my-ORDER-1") == oid  # history of a deleted one


async def test_a_second_order_differing_only_in_case_is_refused(db: Database) -> None:
    await create_order(db, "ann", {"store_id": "MY-ORDER-1"})
    with pytest.raises(FieldErrors) as caught:
        await create_order(db, "ann", {"store_id": "my-order-1"})
    assert caught.value.errors == {
        "store_id": "order MY-ORDER-1 exists (Order IDs ignore case): choose another Order ID"
    }
    async with db.sessions() as s:
        assert (await s.execute(text("SELECT count(*) FROM orders"))).scalar() == 1


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_finds_orders_in_any_case_and_refuses_a_case_twin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "o.db")
    assert _run(capsys, "order", "create", "--db", db, "--store-id", "MY-ORDER-1")[0] == 0
    code, _, err = _run(capsys, "order", "create", "--db", db, "--store-id", "my-order-1")
    assert code == 1 and err == (
        "orderview: error: store_id: order MY-ORDER-1 exists "
        "(Order IDs ignore case): choose another Order ID\n"
    )
    asyncio.run(_add_product(db))
    code, out, err = _run(capsys, "issue", "my-order-1", "--db", db, "--product", "APP")
    assert code == 0 and "into MY-ORDER-1" in err
    code, out, _ = _run(capsys, "show", "My-Order-1", "--db", db)
    assert code == 0 and out.startswith("Order MY-ORDER-1") and "Licenses: 1" in out
    code, out, _ = _run(capsys, "history", "my-order-1", "--db", db)
    assert code == 0 and "issued 1 license" in out
    code, out, _ = _run(capsys, "export", "my-ORDER-1", "--db", db, "-o", "-")
    assert code == 0 and "MY-ORDER-1" in out


async def _add_product(path: str) -> None:
    db = open_database(path)
    await f.add_product(db, "APP")
    await db.dispose()
