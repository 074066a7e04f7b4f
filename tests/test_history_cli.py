"""`orderview history ORDER_ID [--json]`: the audit trail on the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import delete

from orderview.cli import exit_codes, main
from orderview.db.engine import open_database
from orderview.db.models import Order
from orderview.services import customers, order_edit
from tests import factories as f


@pytest.fixture(autouse=True)
def _only_history_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse with this command alone, so these tests don't depend on other commands' modules."""
    monkeypatch.setattr("orderview.cli.COMMAND_MODULES", ("orderview.cli.history_cmd",))


def _seed(path: Path) -> None:
    async def seed() -> None:
        db = open_database(str(path))
        oid = await f.add_order(db, "ORD-7", reference="old")
        await order_edit.update_order(
            db,
            "alice",
            oid,
            1,
            {"reference": "EVIL\x1b[2J".replace("\x1b", "") + " [b]x[/b]", "is_test": True},
        )
        await customers.create_customer(db, "bob@10.1.2.3", oid, 2, {"email": "c@example.com"})
        await db.dispose()

    asyncio.run(seed())


def test_history_text_newest_first_with_operators(sqlite_path: Path, capsys) -> None:
    _seed(sqlite_path)
    assert main(["history", "ORD-7", "--db", str(sqlite_path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "History of order ORD-7"
    linked = out.index("bob@10.1.2.3  linked order")
    created = out.index("bob@10.1.2.3  created customer #")
    updated = out.index("alice  updated order")
    assert linked < created < updated
    assert 'Reference: "old" → "EVIL[2J [b]x[/b]"' in out
    assert "Test order: no → yes" in out
    assert 'Customer: (empty) → "c@example.com"' in out
    assert max(len(line) for line in lines) <= 80


def test_history_json_and_deleted_order(sqlite_path: Path, capsys) -> None:
    _seed(sqlite_path)

    async def drop() -> None:
        db = open_database(str(sqlite_path))
        async with db.write() as session:
            await session.execute(delete(Order))
        await db.dispose()

    asyncio.run(drop())
    assert main(["history", "ORD-7", "--json", "--db", str(sqlite_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["store_id"] == "ORD-7" and doc["exists"] is False
    assert [e["action"] for e in doc["events"]] == ["linked", "created", "updated"]
    assert doc["events"][2]["changes"]["is_test"] == [False, True]
    assert doc["events"][2]["operator"] == "alice"
    assert main(["history", "ORD-7", "--limit", "1", "--db", str(sqlite_path)]) == 0
    assert "(deleted)" in capsys.readouterr().out


def test_history_control_characters_never_reach_the_terminal(sqlite_path: Path, capsys) -> None:
    async def seed() -> None:
        db = open_database(str(sqlite_path))
        oid = await f.add_order(db, "ORD-8")
        async with db.write() as session:
            from orderview.services import audit

            audit.record(
                session,
                actor="mallory\x1b[2J",
                action="updated",
                entity="order",
                entity_id=oid,
                order_id=oid,
                changes={"reference": ["", "\x07\x1b]0;x"]},
            )
        await db.dispose()

    asyncio.run(seed())
    assert main(["history", "ORD-8", "--db", str(sqlite_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "mallory␛[2J" in out


def test_history_unknown_order_is_one_line_error(sqlite_path: Path, capsys) -> None:
    assert main(["history", "NOPE", "--db", str(sqlite_path)]) == exit_codes.NOT_FOUND
    err = capsys.readouterr().err
    assert err.startswith("orderview: error: no order with Order ID") and err.count("\n") == 1


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_history_rejects_bad_limit(sqlite_path: Path, capsys, limit: str) -> None:
    _seed(sqlite_path)
    with pytest.raises(SystemExit) as exited:  # argparse refuses it, with the allowed range
        main(["history", "ORD-7", "--limit", limit, "--db", str(sqlite_path)])
    assert exited.value.code == 2
    assert "from 1 to 1,000,000" in capsys.readouterr().err
