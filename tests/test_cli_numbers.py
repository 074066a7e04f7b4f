"""Counted options take a whole number inside a stated range; anything else is refused by
argparse with that range (exit 2, one line, no traceback) before the database is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orderview.cli import main
from orderview.db.engine import Database
from orderview.db.models import License
from tests import factories

TOO_BIG = "99999999999999999999"


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["search", "a", "--limit", TOO_BIG], "from 1 to 10,000"),
        (["search", "a", "--limit", "1e20"], "from 1 to 10,000"),
        (["search", "a", "--limit", "0"], "from 1 to 10,000"),
        (["show", "X", "--licenses", "-1"], "from 0 to 10,000,000"),
        (["show", "X", "--licenses", TOO_BIG], "from 0 to 10,000,000"),
        (["outbox", "list", "--limit", "1e20"], "from 1 to 100,000"),
        (["outbox", "list", "--limit", TOO_BIG], "from 1 to 100,000"),
        (["history", "X", "--limit", TOO_BIG], "from 1 to 1,000,000"),
        (["issue", "X", "--product", "P", "--quantity", ""], "from 1 to 100,000"),
        (["issue", "X", "--product", "P", "--quantity", " "], "from 1 to 100,000"),
        (["issue", "X", "--product", "P", "--quantity", "1.5"], "from 1 to 100,000"),
        (["issue", "X", "--product", "P", "--quantity", TOO_BIG], "from 1 to 100,000"),
        (["demo", "--orders", "1e3"], "from 1 to 5,000,000"),
        (["demo", "--orders", "0"], "from 1 to 5,000,000"),
    ],
)
def test_counts_outside_their_range_are_refused_with_the_range(
    argv: list[str], allowed: str, tmp_path: Path, capsys
) -> None:
    db = tmp_path / "none.db"
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--db", str(db)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"a whole number {allowed}" in err and "Traceback" not in err
    assert not db.exists()  # refused before any database was opened


@pytest.mark.parametrize(("text", "value"), [("7", 7), (" 10_000 ", 10_000), ("1,000", 1000)])
def test_counts_accept_whole_numbers_with_separators(text: str, value: int) -> None:
    from orderview.cli.numbers import bounded_int

    assert bounded_int(1, 10_000)(text) == value


async def test_issue_with_an_empty_quantity_issues_nothing(
    sqlite_db: Database, sqlite_path: Path
) -> None:
    """``--quantity ""`` used to be read as "not given" and issued one license."""
    await factories.add_product(sqlite_db)
    await factories.add_order(sqlite_db, "ORD-Q")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "issue",
            "ORD-Q",
            "--product",
            "APP",
            "--quantity",
            "",
            "--db",
            str(sqlite_path),
            "--operator",
            "t",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith("argument --quantity: expected a whole number from 1 to 100,000, got ''")
    )
    async with sqlite_db.sessions() as s:
        assert await s.scalar(select(func.count(License.id))) == 0
