"""`orderview export` from the command line, through the real `main()` (both DBs)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import orderview.cli as cli
from orderview.cli import exit_codes
from orderview.export import COLUMNS
from tests import factories as f


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


async def run(db, *argv: str) -> int:
    """`main()` runs its own event loop, so give it a thread of its own."""
    url = db.url.render_as_string(hide_password=False)
    return await asyncio.to_thread(cli.main, ["--db", url, "--operator", "tester", *argv])


async def seed(db) -> list[str]:
    product_id, _ = await f.add_product(db)
    cid = await f.add_customer(db, company_name="=cmd|' /C calc'!A0")
    oid = await f.add_order(db, "ORD/7 ü", customer_id=cid)
    return await f.add_licenses(db, oid, product_id, 12)


async def test_default_path_in_current_directory(db, out: Path, capsys) -> None:
    keys = await seed(db)
    assert await run(db, "export", "ORD/7 ü") == 0
    name = f"order-ORD_7-{datetime.now(UTC).date().isoformat()}.csv"
    assert os.listdir(out) == [name]
    assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    with (out / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["license__license_key"] for r in rows) == sorted(keys)
    assert rows[0]["order__store_id"] == "ORD/7 ü"
    assert rows[0]["customer__company_name"] == "'=cmd|' /C calc'!A0"
    assert capsys.readouterr().err == f"exported 12 rows to {out / name}\n"


async def test_output_path_and_existing_file(db, out: Path, capsys) -> None:
    await seed(db)
    assert await run(db, "export", "ORD/7 ü", "-o", "mine.csv") == 0
    capsys.readouterr()
    assert await run(db, "export", "ORD/7 ü", "-o", "mine.csv") == 1
    err = capsys.readouterr().err
    assert err.startswith("orderview: error: ") and "already exists (use --force" in err
    assert err.count("\n") == 1
    (out / "mine.csv").write_text("old")
    assert await run(db, "export", "ORD/7 ü", "-o", "mine.csv", "--force") == 0
    assert (out / "mine.csv").read_text(encoding="utf-8").startswith("order__store_id,")


async def test_stdout(db, out: Path, capsys) -> None:
    keys = await seed(db)
    assert await run(db, "export", "ORD/7 ü", "-o", "-") == 0
    captured = capsys.readouterr()
    assert captured.err == "exported 12 rows to standard output\n"
    assert captured.out.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(captured.out, newline="")))
    assert sorted(r["license__license_key"] for r in rows) == sorted(keys)
    assert os.listdir(out) == []


async def test_errors_are_one_line(db, out: Path, capsys) -> None:
    await seed(db)
    assert await run(db, "export", "NOPE") == exit_codes.NOT_FOUND
    assert capsys.readouterr().err == "orderview: error: no order with Order ID 'NOPE'\n"
    assert await run(db, "export", "ORD/7 ü", "-o", "missing/x.csv") == 1
    err = capsys.readouterr().err
    assert err == (
        f"orderview: error: cannot write {out / 'missing' / 'x.csv'}: "
        "the directory does not exist\n"
    )
    assert os.listdir(out) == []


async def test_reader_leaving_early_is_not_a_traceback(sqlite_db, out: Path) -> None:
    product_id, _ = await f.add_product(sqlite_db)
    oid = await f.add_order(sqlite_db, "ORD-PIPE")
    await f.add_licenses(sqlite_db, oid, product_id, 3000, note="x" * 100)  # > a pipe buffer
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderview",
            "--db",
            str(sqlite_db.url.database),
            "export",
            "ORD-PIPE",
            "-o",
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b"order__store_id,")
    proc.stdout.close()
    err = await asyncio.to_thread(proc.stderr.read)
    assert await asyncio.to_thread(proc.wait) == 141
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
