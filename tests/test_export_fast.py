"""The export's database-built license cells (orderview/export_sql.py) against the Python
reference formatter (``export._reference_pages``: ``cell``-equivalent forms through
``csv.writer``), on an order full of hostile text and odd values, on both databases: the
two must give the same bytes, page by page."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text

from orderview import export
from orderview.db.engine import Database
from orderview.db.models import Customer, License, Order, Product
from orderview.services.errors import DatabaseUnavailable
from orderview.services.normalize import customer_keys, lc
from tests.hostile_corpus import CORPUS

T0 = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _texts(db: Database) -> list[str]:
    """The corpus, plus cells that start with every trigger and hold every quoting character;
    PostgreSQL cannot store NUL, so those go on SQLite only."""
    extra = [
        "=1",
        "+1",
        "-1",
        "@1",
        "\t1",
        "\r1",
        "a,b",
        'a"b',
        "a\rb",
        "a\nb",
        '="a,b"',
        '"',
        ",",
        "\r\n",
        "'",
        " lead",
        "trail ",
        "",
        "x\x00,y",
        "\x00=1",
        "'=1",
        "''+1",
        "''",
        "'x",
        "'\x00=1",
        "'\r\n",
        "'-,\"",
        "' =1",
        "'\u200b@1",
    ]
    texts = [t for _, t in CORPUS] + extra
    if db.dialect == "postgresql":
        texts = [t for t in texts if "\x00" not in t]
    return texts


async def _hostile_order(db: Database) -> tuple[int, int]:
    texts = _texts(db)
    async with db.sessions.begin() as s:
        products = [
            Product(name=f"P{i}", short_code=code, authorization_method="license-key")
            for i, code in enumerate(["=cmd|' /C calc'!A0", 'A,"B"', "PLAIN"])
        ]
        s.add_all(products)
        name = '=HYPERLINK("x")'
        customer = Customer(
            email="-evil@example.com",
            first_name=name,
            last_name="a,b",
            company_name="\r=1",
            phone="+44 1",
            **customer_keys("-evil@example.com", name, "a,b", "\r=1"),
        )
        s.add(customer)
        await s.flush()
        order = Order(
            store_id="ORD-HOSTILE",
            store_id_lc="ord-hostile",
            reference="@ref",
            reference_lc=lc("@ref"),
            campaign_params='a="1",b',
            customer_id=customer.id,
            created_at=T0,
            updated_at=T0,
        )
        s.add(order)
        await s.flush()
        today = datetime.now(UTC).date()
        for i, text in enumerate(texts):
            s.add(
                License(
                    order_id=order.id,
                    product_id=products[i % 3].id,
                    license_key=None if i % 7 == 3 else f"{text[:25]}#{i}",
                    license_type=text[:16],
                    note=text,
                    enabled=i % 5 != 1,
                    validity_period=[None, today - timedelta(days=1), today, date(2999, 1, 2)][
                        i % 4
                    ],
                    start_date=None if i % 2 else date(2026, 2, 3),
                    max_activations=[None, 0, 3, -2][i % 4],
                    allow_unlimited_activations=i % 6 == 5,
                    times_activated=[0, 4, -1][i % 3],
                    is_trial=i % 2 == 0,
                    is_floating=i % 3 == 0,
                    floating_users=[None, 5, -7][i % 3],
                    created_at=T0 + timedelta(seconds=i, microseconds=i),
                    updated_at=T0,
                    user_email=None if i % 7 != 3 else text[:40],
                    valid_duration=None if i % 3 else text[:16],
                    maintenance_duration=None if i % 4 else text[-16:],
                    maintenance_period=[None, date(2030, 1, 2)][i % 2],
                )
            )
        await s.flush()
        return order.id, len(texts)


async def _pages(pages) -> list[tuple[str, int, int]]:
    return [page async for page in pages]


async def test_database_cells_are_the_reference_bytes(db: Database) -> None:
    oid, count = await _hostile_order(db)
    for size in (7, 1000):
        fast = await _pages(export.iter_pages(db, oid, size))
        reference = await _pages(export._reference_pages(db, oid, size))
        assert [(r, t) for _, r, t in fast] == [(r, t) for _, r, t in reference]
        for (mine, *_), (theirs, *_) in zip(fast, reference, strict=True):
            assert mine.split("\r\n") == theirs.split("\r\n")  # a readable diff first
            assert mine == theirs
    text = "".join(page for page, _, _ in fast)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == count and {len(r) for r in rows} == {len(export.COLUMNS)}
    notes = [r[export.COLUMNS.index("license__note")] for r in rows]
    assert notes[:3] == [t for _, t in CORPUS[:3]]  # plain text stays exact
    assert "'" + dict(CORPUS)["csv_hyperlink"] in notes and "'\r=1+1" in notes
    assert 'a"b' in notes and "a\nb" in notes
    assert not any(cell.startswith(export.DANGEROUS_PREFIXES) for r in rows for cell in r)


async def test_order_without_licenses_matches_the_reference(db: Database) -> None:
    oid, _ = await _hostile_order(db)
    async with db.sessions.begin() as s:
        empty = Order(
            store_id="ORD-EMPTY",
            store_id_lc="ord-empty",
            reference="-x",
            reference_lc="-x",
            campaign_params="a,b",
            created_at=T0,
            updated_at=T0,
        )
        s.add(empty)
        await s.flush()
        empty_id = empty.id
    assert oid != empty_id
    fast = await _pages(export.iter_pages(db, empty_id))
    assert fast == await _pages(export._reference_pages(db, empty_id))
    assert fast[0][0] == 'ORD-EMPTY,\'-x,normal,false,false,,,"a,b"' + "," * 29 + "\r\n"


async def test_driver_fault_is_the_operators_line_and_leaves_no_file(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The license lines are read on the driver connection, past SQLAlchemy's error handling:
    a driver fault still reaches the operator as ``DatabaseUnavailable`` with its one line,
    the file is not left behind, and the read transaction is released."""
    oid, _ = await _hostile_order(sqlite_db)
    calls = 0
    real = aiosqlite.Cursor.fetchmany

    async def failing(self, size=None):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return await real(self, size)

    monkeypatch.setattr(aiosqlite.Cursor, "fetchmany", failing)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DatabaseUnavailable, match="failed to read or write"):
        await export.export_to_file(sqlite_db, oid, out / "x.csv", page_size=5, actor="tester")
    assert calls == 2 and list(out.iterdir()) == []
    async with sqlite_db.write() as session:  # no read transaction left open
        await session.execute(text("UPDATE orders SET reference = 'x'"))
