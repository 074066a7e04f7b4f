"""CSV export of an order: exact columns and values, neutralising, file safety (both DBs)."""

from __future__ import annotations

import asyncio
import csv
import errno
import io
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from orderview import export, export_file, export_values
from orderview.db.models import License
from orderview.export import COLUMNS, ExportError, ExportFileExists
from orderview.services import orders
from orderview.services.errors import NotFound
from tests import factories as f

HEADER = (
    "order__store_id,order__reference,order__type,order__is_test,order__is_trial,"
    "order__download_id,order__language,order__campaign_params,customer__email,"
    "customer__first_name,customer__last_name,customer__company_name,customer__phone,"
    "customer__reference,customer__address,customer__city,customer__state,customer__postcode,"
    "customer__country,product__short_code,license__license_key,license__license_type,"
    "license__status,license__enabled,license__max_activations,license__times_activated,"
    "license__validity_period,license__start_date,license__is_trial,license__is_floating,"
    "license__floating_users,license__note,license__created_at,"
    "license__user_email,license__valid_duration,license__maintenance_duration,"
    "license__maintenance_period"
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty directory for exports (the SQLite test database lives in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


async def to_text(db, order_id: int, **kw) -> str:
    buf = io.StringIO(newline="")
    await export.write_csv(db, order_id, buf, **kw)
    return buf.getvalue()


async def full_customer(db) -> int:
    return await f.add_customer(
        db,
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        company_name="Analytical Engines Ltd",
        phone="+44 20 1234",
        reference="CUST-9",
        address="12 Marylebone St",
        city="London",
        state="",
        postcode="W1",
        country="GB",
    )


async def test_header_is_exactly_the_domain_list(db) -> None:
    oid = await f.add_order(db, "ORD-0")
    text = await to_text(db, oid)
    assert text.split("\r\n")[0] == HEADER
    assert ",".join(COLUMNS) == HEADER


async def test_order_without_licenses_gives_one_row(db) -> None:
    cid = await full_customer(db)
    oid = await f.add_order(
        db,
        "ORD-0",
        reference="PO 7",
        customer_id=cid,
        download_id="dl-1",
        language="en",
        campaign_params="cpg=web,src=google.com",
        is_test=True,
    )
    text = await to_text(db, oid)
    lines = text.split("\r\n")
    assert lines[2:] == [""] and len(lines) == 3
    assert lines[1] == (
        'ORD-0,PO 7,normal,true,false,dl-1,en,"cpg=web,src=google.com",ada@example.com,Ada,'
        "Lovelace,Analytical Engines Ltd,'+44 20 1234,CUST-9,12 Marylebone St,London,,W1,GB"
        + ","
        * 18
    )


async def test_one_license_exact_values(db) -> None:
    product_id, policy_id = await f.add_product(db, code="APP")
    oid = await f.add_order(db, "ORD-1")  # no customer: customer columns empty
    [key] = await f.add_licenses(
        db,
        oid,
        product_id,
        1,
        policy_id,
        license_type="time-limited",
        validity_period=date(2999, 12, 31),
        start_date=date(2026, 2, 1),
        max_activations=3,
        times_activated=2,
        is_floating=True,
        floating_users=5,
        note='Seats for\nLondon, "HQ"',
    )
    rows = list(csv.reader(io.StringIO(await to_text(db, oid), newline="")))
    assert len(rows) == 2
    assert rows[1] == [
        "ORD-1",
        "",
        "normal",
        "false",
        "false",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "APP",
        key,
        "time-limited",
        "Active",
        "true",
        "3",
        "2",
        "2999-12-31",
        "2026-02-01",
        "false",
        "true",
        "5",
        'Seats for\nLondon, "HQ"',
        "2026-01-15T09:30:00Z",
        "",
        "",
        "",
        "",
    ]


async def test_status_unlimited_and_disabled(db) -> None:
    product_id, _ = await f.add_product(db)
    oid = await f.add_order(db, "ORD-S")
    await f.add_licenses(
        db, oid, product_id, 1, allow_unlimited_activations=True, validity_period=date(2020, 1, 1)
    )
    await f.add_licenses(db, oid, product_id, 1, enabled=False)
    rows = list(csv.DictReader(io.StringIO(await to_text(db, oid), newline="")))
    statuses = sorted((r["license__status"], r["license__max_activations"]) for r in rows)
    assert statuses == [("Disabled", "1"), ("Expired", "unlimited")]


async def test_many_licenses_paged_repeat_order_and_customer(db) -> None:
    cid = await full_customer(db)
    product_id, policy_id = await f.add_product(db)
    oid = await f.add_order(db, "ORD-MANY", customer_id=cid)
    keys = await f.add_licenses(db, oid, product_id, 23, policy_id)
    other = await f.add_order(db, "ORD-OTHER")
    await f.add_licenses(db, other, product_id, 4, policy_id)
    seen: list[tuple[int, int]] = []
    text = await to_text(db, oid, page_size=5, progress=lambda d, t: seen.append((d, t)))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 23
    assert sorted(r["license__license_key"] for r in rows) == sorted(keys)
    assert {(r["order__store_id"], r["customer__email"]) for r in rows} == {
        ("ORD-MANY", "ada@example.com")
    }
    assert seen == [(5, 23), (10, 23), (15, 23), (20, 23), (23, 23)]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
async def test_dangerous_prefixes_neutralised(db, prefix: str) -> None:
    payload = f'{prefix}HYPERLINK("http://evil")'
    cid = await f.add_customer(db, company_name=payload, first_name=prefix)
    product_id, _ = await f.add_product(db, code=f"{prefix}P")
    oid = await f.add_order(db, f"{prefix}ORD", reference=payload, customer_id=cid)
    await f.add_licenses(db, oid, product_id, 1, note=payload)
    [row] = list(csv.DictReader(io.StringIO(await to_text(db, oid), newline="")))
    for column in (
        "order__store_id",
        "order__reference",
        "customer__company_name",
        "customer__first_name",
        "product__short_code",
        "license__note",
    ):
        assert row[column].startswith("'" + prefix), column
    assert row["license__note"] == "'" + payload
    assert row["order__store_id"] == f"'{prefix}ORD"


def test_neutralise_leaves_other_values_exact() -> None:
    for value in [
        "a=b",
        "ACME [Ltd]",
        " x=",
        "'quoted",
        "",
        "日本語",
        "x\r\ny",
        "1-2",
        "'",
        "''x",
        "' x=",
        "x'=1",
    ]:
        assert export.neutralise(value) == value
    for value in ["=1", "+1", "-1", "@a", "\tx", "\rx", "'=1", "''+49", " =x", "' =x", "'\u200b@x"]:
        assert export.neutralise(value) == "'" + value


def test_read_back_undoes_neutralise_exactly() -> None:
    """The documented round-trip rule (docs/export.md): a value that itself starts with ``'``
    and a trigger (``'=1``) used to export unchanged and read back as ``=1``."""
    values = [
        "+49 30 1234",
        "'+49 30 1234",
        "''=1",
        "'",
        "'x",
        "=",
        "-",
        "plain",
        "",
        "'\t",
        " =1",
        "' =1",
        "''\u200b+1",
        "'\x00=1",
        "\ufeff@x",
        "' x",
    ]
    for value in values:
        assert export.read_back(export.neutralise(value)) == value, value
    assert export.read_back("'+49 30 1234") == "+49 30 1234"


async def test_round_trip_through_csv_reader(db, out: Path) -> None:
    nasty = 'a,b "c"\r\nd\x00?\u202eé日本🙂 [b]x[/b] \\'.replace("\x00", "")
    cid = await f.add_customer(db, company_name=nasty, last_name="O'Brien; DROP")
    product_id, _ = await f.add_product(db)
    oid = await f.add_order(db, "ORD-RT", customer_id=cid, campaign_params=nasty)
    keys = await f.add_licenses(db, oid, product_id, 3, note=nasty)
    result = await export.export_to_file(db, oid, out / "out.csv", actor="tester")
    assert result.rows == 3 and result.path == out / "out.csv"
    raw = (out / "out.csv").read_bytes()
    assert raw.decode("utf-8").startswith(HEADER + "\r\n")
    rows = read(out / "out.csv")
    assert [r["license__note"] for r in rows] == [nasty] * 3
    assert rows[0]["customer__company_name"] == nasty
    assert rows[0]["customer__last_name"] == "O'Brien; DROP"
    assert rows[0]["order__campaign_params"] == nasty
    assert sorted(r["license__license_key"] for r in rows) == sorted(keys)


async def test_reading_back_per_the_rule_gives_the_stored_values(db, out: Path) -> None:
    """docs/export.md, "Reading a cell back": csv.reader, then ``read_back`` on each text
    cell, gives exactly what is stored; the phone ``+49 …`` is written ``'+49 …``."""
    cid = await f.add_customer(
        db, phone="+49 30 1234", company_name="'=not a formula", first_name="'", last_name="''+x"
    )
    product_id, _ = await f.add_product(db, code="-P")
    oid = await f.add_order(db, "@ORD", customer_id=cid, reference="'@ref", campaign_params="=cpg")
    await f.add_licenses(db, oid, product_id, 1, note="'-1 note", valid_duration="30d")
    await export.export_to_file(db, oid, out / "rt.csv", actor="tester")
    raw = read(out / "rt.csv")[0]
    assert raw["customer__phone"] == "'+49 30 1234"
    back = {name: export.read_back(value) for name, value in raw.items()}
    assert {
        name: back[name]
        for name in (
            "customer__phone",
            "customer__company_name",
            "customer__first_name",
            "customer__last_name",
            "product__short_code",
            "order__store_id",
            "order__reference",
            "order__campaign_params",
            "license__note",
            "license__valid_duration",
        )
    } == {
        "customer__phone": "+49 30 1234",
        "customer__company_name": "'=not a formula",
        "customer__first_name": "'",
        "customer__last_name": "''+x",
        "product__short_code": "-P",
        "order__store_id": "@ORD",
        "order__reference": "'@ref",
        "order__campaign_params": "=cpg",
        "license__note": "'-1 note",
        "license__valid_duration": "30d",
    }


async def test_file_mode_is_0600_whatever_the_umask(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-M")
    old = os.umask(0)
    try:
        await export.export_to_file(sqlite_db, oid, out / "a.csv", actor="tester")
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "a.csv").stat().st_mode) == 0o600
    assert os.listdir(out) == ["a.csv"]


async def test_existing_file_refused_unless_overwrite(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-X")
    target = out / "x.csv"
    target.write_text("keep me")
    with pytest.raises(ExportFileExists):
        await export.export_to_file(sqlite_db, oid, target, actor="tester")
    assert target.read_text() == "keep me"
    result = await export.export_to_file(sqlite_db, oid, target, overwrite=True, actor="tester")
    assert result.rows == 1 and target.read_text(encoding="utf-8").startswith(HEADER)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(out) == ["x.csv"]


async def test_file_appearing_during_export_is_not_clobbered(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-R")
    target = out / "r.csv"

    def progress(done: int, total: int) -> None:
        target.write_text("someone else's")

    with pytest.raises(ExportFileExists):
        await export.export_to_file(sqlite_db, oid, target, progress=progress, actor="tester")
    assert target.read_text() == "someone else's"
    assert os.listdir(out) == ["r.csv"]


async def test_missing_directory(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-D")
    with pytest.raises(ExportError, match="directory does not exist"):
        await export.export_to_file(sqlite_db, oid, out / "nope" / "x.csv", actor="tester")
    assert os.listdir(out) == []
    (out / "nope").mkdir()  # the fault clears: the same export now succeeds
    await export.export_to_file(sqlite_db, oid, out / "nope" / "x.csv", actor="tester")
    assert [row["order__store_id"] for row in read(out / "nope" / "x.csv")] == ["ORD-D"]


async def test_target_is_a_directory(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-D")
    with pytest.raises(ExportError, match="is a directory"):
        await export.export_to_file(sqlite_db, oid, out, actor="tester")


async def test_permission_denied(sqlite_db, out: Path, monkeypatch) -> None:
    oid = await f.add_order(sqlite_db, "ORD-P")

    def denied(target: Path):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    with monkeypatch.context() as patched:
        patched.setattr(export_file, "_create_temp", denied)
        with pytest.raises(ExportError, match="permission denied"):
            await export.export_to_file(sqlite_db, oid, out / "x.csv", actor="tester")
        assert os.listdir(out) == []
    await export.export_to_file(
        sqlite_db, oid, out / "x.csv", actor="tester"
    )  # permission granted again
    assert os.listdir(out) == ["x.csv"]
    assert [row["order__store_id"] for row in read(out / "x.csv")] == ["ORD-P"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_permission_denied_real(sqlite_db, out: Path) -> None:
    oid = await f.add_order(sqlite_db, "ORD-P")
    locked = out / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ExportError, match="permission denied"):
        await export.export_to_file(sqlite_db, oid, locked / "x.csv", actor="tester")
    assert os.listdir(locked) == []
    locked.chmod(0o700)
    await export.export_to_file(sqlite_db, oid, locked / "x.csv", actor="tester")
    assert os.listdir(locked) == ["x.csv"]


class FullDisk(io.StringIO):
    """A writer that fails like a full disk after some bytes."""

    def __init__(self, fd: int, budget: int) -> None:
        super().__init__()
        self.fd, self.budget = fd, budget

    def write(self, s: str) -> int:
        self.budget -= len(s)
        if self.budget < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        os.write(self.fd, s.encode())
        return len(s)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


@pytest.mark.parametrize("existing", [False, True])
async def test_disk_full_leaves_nothing(db, out: Path, monkeypatch, existing) -> None:
    product_id, _ = await f.add_product(db)
    oid = await f.add_order(db, "ORD-F")
    await f.add_licenses(db, oid, product_id, 40)
    target = out / "f.csv"
    if existing:
        target.write_text("previous export")
    with monkeypatch.context() as patched:
        patched.setattr(export_file, "_open_text", lambda fd: FullDisk(fd, 3000))
        with pytest.raises(ExportError, match="disk is full"):
            await export.export_to_file(
                db, oid, target, overwrite=existing, page_size=10, actor="tester"
            )
    assert os.listdir(out) == (["f.csv"] if existing else [])
    if existing:
        assert target.read_text() == "previous export"
    # Space is freed: the same export writes the whole file.
    await export.export_to_file(db, oid, target, overwrite=existing, page_size=10, actor="tester")
    assert os.listdir(out) == ["f.csv"]
    assert len(read(target)) == 40
    # The read transaction was released: a write goes through at once.
    async with db.write() as session:
        from sqlalchemy import text

        await session.execute(text("UPDATE orders SET reference = 'x'"))


async def test_cancelled_export_leaves_nothing(sqlite_db, out: Path) -> None:
    product_id, _ = await f.add_product(sqlite_db)
    oid = await f.add_order(sqlite_db, "ORD-C")
    await f.add_licenses(sqlite_db, oid, product_id, 30)

    def progress(done: int, total: int) -> None:
        if done >= 10:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await export.export_to_file(
            sqlite_db, oid, out / "c.csv", progress=progress, page_size=10, actor="tester"
        )
    assert os.listdir(out) == []


async def test_missing_order(db, out: Path) -> None:
    with pytest.raises(NotFound):
        await export.export_to_file(db, 424242, out / "x.csv", actor="tester")
    assert os.listdir(out) == []


def test_default_filename() -> None:
    day = date(2026, 11, 27)
    assert export.default_filename("ORD-1001", day) == "order-ORD-1001-2026-11-27.csv"
    assert export.default_filename("../../etc/pass wd", day) == "order-etc_pass_wd-2026-11-27.csv"
    assert export.default_filename("///", day) == "order-order-2026-11-27.csv"
    assert export.default_filename("x" * 300, day) == f"order-{'x' * 80}-2026-11-27.csv"


def test_format_value_stable_forms() -> None:
    assert export.format_value(True) == "true" and export.format_value(False) == "false"
    assert export.format_value(None) == ""
    assert export.format_value(date(2026, 1, 2)) == "2026-01-02"
    at = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert export.format_value(at) == "2026-01-02T03:04:05Z"
    assert export.format_value(0) == "0"


def test_fast_license_cells_match_generic_cell() -> None:
    """The hot loop's specialised formatters give exactly what ``cell`` gives."""
    today = date(2026, 6, 1)
    at = datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)
    samples = [
        (
            1,
            "=X",
            "ABCD-EFGH-JKLM-NPQR",
            "perpetual",
            True,
            None,
            3,
            False,
            0,
            None,
            False,
            True,
            None,
            "",
            at,
            None,
            "30d",
            "1y",
            date(2027, 3, 4),
        ),
        (
            2,
            "P",
            None,
            "-t",
            False,
            date(2026, 1, 1),
            None,
            False,
            -2,
            date(2026, 2, 3),
            True,
            False,
            -1,
            "@note\nx",
            at,
            "=u@x.io",
            None,
            None,
            None,
        ),
        (
            3,
            "",
            "",
            "",
            True,
            date(2027, 1, 1),
            0,
            True,
            5,
            None,
            False,
            False,
            0,
            "\tz",
            at,
            "'+u@x.io",
            "'6m",
            "''=1",
            None,
        ),
    ]
    for r in samples:
        generic = [export.cell(v) for v in r[1:4]]
        generic.append(orders.license_status(r[4], r[5], r[8], today))
        generic += [export.cell(r[4]), "unlimited" if r[7] else export.cell(r[6])]
        generic += [export.cell(v) for v in (r[8], r[5], r[9], r[10], r[11], r[12], r[13], r[14])]
        generic += [export.cell(v) for v in r[15:]]
        assert list(export_values.license_cells([r], today)[0]) == generic

        # The same row as SQLite's driver gives it: ISO text for dates and times, 1/0 booleans.
        def sqlite_form(v):
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, datetime):
                return v.replace(tzinfo=None).isoformat(" ")
            return v.isoformat() if isinstance(v, date) else v

        raw = tuple(sqlite_form(v) for v in r)
        assert list(export_values.license_cells([raw], today)[0]) == generic


async def test_user_based_licenses_export_their_user_and_durations(db) -> None:
    """Two user-based licenses used to export as identical rows (no key, no email): each now
    carries its user's email, and every license its durations and maintenance date, in the
    columns added at the end (the first 33 stay the import headers, in place)."""
    pid, pol = await f.add_product(db, code="SEAT", method="user")
    oid = await f.add_order(db, "ORD-U")
    await f.add_licenses(db, oid, pid, 2, pol, keys=[None, None], user_email=None)
    async with db.sessions.begin() as s:
        licenses = list(
            await s.scalars(select(License).where(License.order_id == oid).order_by(License.id))
        )
        for lic, email in zip(licenses, ["seat@example.com", "+49@example.com"], strict=True):
            lic.user_email = email
        licenses[0].valid_duration, licenses[0].maintenance_duration = "30d", "1y"
        licenses[1].maintenance_period = date(2031, 2, 3)
    text = await to_text(db, oid)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == list(COLUMNS) and list(COLUMNS)[:33] == HEADER.split(",")[:33]
    assert [r["license__license_key"] for r in rows] == ["", ""]
    assert [r["license__user_email"] for r in rows] == ["seat@example.com", "'+49@example.com"]
    assert [
        (
            r["license__valid_duration"],
            r["license__maintenance_duration"],
            r["license__maintenance_period"],
        )
        for r in rows
    ] == [("30d", "1y", ""), ("", "", "2031-02-03")]
    assert rows[0] != rows[1]
