"""The command line contract: demo, search, show, db upgrade, and one-line errors.

Most tests call ``orderview.cli.main([...])`` in-process (fast); a few run
``python -m orderview`` as a subprocess to see exactly what an operator's shell sees.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from orderview.cli import exit_codes, main
from orderview.db.migrate import HEAD

ORDER_KEYS = {
    "store_id",
    "reference",
    "campaign_params",
    "download_id",
    "language",
    "is_test",
    "is_trial",
    "order_type",
    "created_at",
    "updated_at",
    "metadata",
    "customer",
    "license_count",
    "licenses",
    "managers",
}
CUSTOMER_KEYS = {
    "email",
    "first_name",
    "last_name",
    "company_name",
    "phone",
    "reference",
    "address",
    "city",
    "state",
    "postcode",
    "country",
    "created_at",
    "updated_at",
}
UNREACHABLE_PG = "postgresql://nobody@127.0.0.1:1/x"


@pytest.fixture(autouse=True)
def private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("ORDERVIEW_DB", raising=False)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    assert main(["demo", "--db", str(path), "--orders", "80", "--seed", "3"]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg-config"), ORDERVIEW_OPERATOR="tester")
    return subprocess.run(
        [sys.executable, "-m", "orderview", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def query(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("orderview: error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# -- demo ------------------------------------------------------------------------------------
def test_demo_prints_progress_and_time(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "demo", "--db", str(tmp_path / "d.db"), "--orders", "30")
    assert code == 0
    assert "30/30 orders" in out and out.strip().splitlines()[-1].startswith("done: 30 orders")
    assert " s" in out.strip().splitlines()[-1]
    assert query(tmp_path / "d.db", "select count(*) from orders") == [(30,)]


def test_demo_refuses_existing_data_then_force_replaces(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    assert run(capsys, "demo", "--db", db, "--orders", "10")[0] == 0
    code, _, err = run(capsys, "demo", "--db", db, "--orders", "25")
    assert code == 1
    assert_one_line_error(err, "already holds data", "--force")
    assert query(tmp_path / "d.db", "select count(*) from orders") == [(10,)]
    code, out, _ = run(capsys, "demo", "--db", db, "--orders", "25", "--force")
    assert code == 0 and "deleting existing data" in out
    assert query(tmp_path / "d.db", "select count(*) from orders") == [(25,)]


def test_demo_rejects_a_bad_order_count(capsys, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", "--db", str(tmp_path / "d.db"), "--orders", "0"])
    assert info.value.code == 2
    assert "from 1 to 5,000,000" in capsys.readouterr().err


# -- search ----------------------------------------------------------------------------------
def test_search_prints_a_table(capsys, demo_db: Path) -> None:
    store_id = query(demo_db, "select store_id from orders where id = 40")[0][0]
    code, out, _ = run(capsys, "search", store_id.lower(), "--db", str(demo_db))
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["ORDER", "ID", "REFERENCE"]
    assert lines[1].startswith(store_id)


def test_search_by_license_key_json(capsys, demo_db: Path) -> None:
    key, store_id = query(
        demo_db,
        "select l.license_key, o.store_id from licenses l join orders o"
        " on o.id = l.order_id where l.license_key is not null"
        " order by l.id limit 1 offset 37",
    )[0]
    code, out, _ = run(
        capsys, "search", key.replace("-", "").lower(), "--db", str(demo_db), "--json"
    )
    doc = json.loads(out)
    assert code == 0 and [o["store_id"] for o in doc["orders"]] == [store_id]
    assert set(doc["orders"][0]) == {
        "store_id",
        "reference",
        "customer",
        "license_count",
        "is_test",
        "is_trial",
        "created_at",
    }
    assert doc["orders"][0]["created_at"].endswith("+00:00") and doc["has_more"] is False


def test_search_limit_and_no_match(capsys, demo_db: Path) -> None:
    code, out, _ = run(capsys, "search", "", "--db", str(demo_db), "--json", "--limit", "5")
    doc = json.loads(out)
    assert code == 0 and len(doc["orders"]) == 5 and doc["has_more"] is True
    code, out, _ = run(capsys, "search", "zzz-no-such", "--db", str(demo_db))
    assert code == 0 and out.strip() == "no orders match zzz-no-such"


def test_hostile_names_reach_the_terminal_inert(capsys, demo_db: Path) -> None:
    code, out, _ = run(capsys, "search", "evil", "--db", str(demo_db))
    assert code == 0 and "EVIL␛[31m Corp␇" in out
    assert not any(ch in out for ch in "\x1b\x07")
    code, out, _ = run(capsys, "search", "[/b", "--db", str(demo_db))
    assert "[/b] ACME [Ltd]" in out
    code, out, _ = run(capsys, "search", "reverse", "--db", str(demo_db), "--json")
    assert "\u202e" not in out and "\\u202e" in out  # escaped, and still valid JSON
    assert json.loads(out)["orders"][0]["customer"] == "Reverse \u202eLtd\u202c Holdings"
    code, out, _ = run(capsys, "search", "evil", "--db", str(demo_db), "--json")
    assert "\x1b" not in out and json.loads(out)["orders"][0]["customer"].startswith("EVIL\x1b")


# -- show ------------------------------------------------------------------------------------
def test_show_json_has_the_documented_keys(capsys, demo_db: Path) -> None:
    store_id, _count = query(
        demo_db,
        "select o.store_id, count(l.id) from orders o "
        "join order_managers m on m.order_id = o.id "
        "join licenses l on l.order_id = o.id "
        "where o.customer_id is not null "
        "group by o.id order by o.id limit 1",
    )[0]
    code, out, _ = run(capsys, "show", store_id, "--db", str(demo_db), "--json")
    doc = json.loads(out)
    assert code == 0 and set(doc) == ORDER_KEYS
    assert doc["store_id"] == store_id and doc["license_count"] > 0
    assert set(doc["customer"]) == CUSTOMER_KEYS
    assert len(doc["licenses"]) == min(100, doc["license_count"])
    assert all("license_key" in lic and "status" in lic for lic in doc["licenses"])
    manager = doc["managers"][0]
    assert {"email", "first_name", "last_name", "permissions", "invite_status"} <= set(manager)
    assert isinstance(manager["permissions"], list) and manager["permissions"]
    assert doc["created_at"].endswith("+00:00")


def test_show_order_without_customer_and_license_limit(capsys, demo_db: Path) -> None:
    store_id = query(
        demo_db, "select store_id from orders where customer_id is null order by id limit 1"
    )[0][0]
    code, out, _ = run(capsys, "show", store_id, "--db", str(demo_db), "--json", "--licenses", "0")
    doc = json.loads(out)
    assert code == 0 and doc["customer"] is None and doc["licenses"] == []
    biggest, count = query(
        demo_db,
        "select o.store_id, count(*) c from licenses l join orders o"
        " on o.id = l.order_id group by o.id order by c desc"
        " limit 1",
    )[0]
    code, out, _ = run(capsys, "show", biggest, "--db", str(demo_db), "--licenses", "7")
    assert code == 0 and f"Licenses: {count:,} (first 7 shown)" in out
    table = out[out.index("KEY / USER") :].strip().splitlines()
    assert len(table) == 1 + 7
    code, out, _ = run(
        capsys, "show", biggest, "--db", str(demo_db), "--json", "--licenses", str(count + 10)
    )
    assert len(json.loads(out)["licenses"]) == count


def test_show_text_is_literal(capsys, demo_db: Path) -> None:
    store_id = query(
        demo_db,
        "select o.store_id from orders o join customers c "
        "on c.id = o.customer_id where c.email like 'eve@%'",
    )[0][0]
    code, out, _ = run(capsys, "show", store_id, "--db", str(demo_db))
    assert code == 0 and "Terminal␛[2J␛[1;1HPWNED" in out and "\x1b" not in out


def test_show_no_such_order(capsys, demo_db: Path) -> None:
    code, out, err = run(capsys, "show", "NOPE-404", "--db", str(demo_db))
    assert code == exit_codes.NOT_FOUND and out == ""
    assert_one_line_error(err, "no order with Order ID", "NOPE-404")


@pytest.mark.parametrize(
    "argv", [("search", "acme"), ("show", "ORD-1"), ("history", "ORD-1"), ("open", "ORD-1")]
)
def test_read_commands_refuse_a_database_path_that_is_not_there(
    capsys, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """A typo in --db must not create an empty database and answer "no orders match"."""
    typo = tmp_path / "typo" / "orders.db"
    code, out, err = run(capsys, *argv, "--db", str(typo))
    assert code == exit_codes.DB_UNAVAILABLE and out == ""
    assert_one_line_error(err, "no database at", str(typo))
    assert not typo.exists()


# -- db upgrade ------------------------------------------------------------------------------
def test_db_upgrade_creates_then_reports_current(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "new" / "fresh.db")
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and f"upgraded (empty) -> {HEAD}" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and f"already at revision {HEAD}" in out
    assert query(Path(db), "select version_num from alembic_version") == [(HEAD,)]


def test_db_upgrade_on_postgresql(capsys, pg_url: str) -> None:
    code, out, _ = run(capsys, "db", "upgrade", "--db", pg_url)
    assert code == 0 and HEAD in out and "postgresql+asyncpg://" in out


def test_demo_search_show_on_postgresql(capsys, pg_url: str) -> None:
    assert run(capsys, "demo", "--db", pg_url, "--orders", "40", "--force")[0] == 0
    code, out, _ = run(capsys, "search", "", "--db", pg_url, "--json", "--limit", "1")
    newest = json.loads(out)["orders"][0]
    assert code == 0 and newest["customer"] == "[/b] ACME [Ltd]"
    code, out, _ = run(capsys, "show", newest["store_id"], "--db", pg_url, "--json")
    assert code == 0 and set(json.loads(out)) == ORDER_KEYS


# -- errors: one line, non-zero, no traceback --------------------------------------------------
@pytest.mark.parametrize(
    ("db", "code", "fragment"),
    [
        ("postgresql://a:b@host:notaport/x", 2, "malformed database URL"),
        ("mysql://u@localhost/x", 2, "unsupported database 'mysql'"),
        ("   ", 2, "empty database location"),
    ],
)
def test_bad_database_locations(capsys, db: str, code: int, fragment: str) -> None:
    got, out, err = run(capsys, "search", "x", "--db", db)
    assert got == code and out == ""
    assert_one_line_error(err, fragment)


def test_missing_config_file(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "show", "X", "--config", str(tmp_path / "missing.toml"))
    assert code == 2
    assert_one_line_error(err, "config file not found", "missing.toml")


def test_unreachable_database_in_process(capsys) -> None:
    code, _, err = run(capsys, "show", "X", "--db", UNREACHABLE_PG)
    assert code == exit_codes.DB_UNAVAILABLE
    assert_one_line_error(err, "cannot use database postgresql+asyncpg://nobody@127.0.0.1:1/x")


def test_unreachable_database_subprocess(tmp_path: Path) -> None:
    result = run_subprocess(tmp_path, "search", "x", "--db", UNREACHABLE_PG)
    assert result.returncode == exit_codes.DB_UNAVAILABLE and result.stdout == ""
    assert_one_line_error(result.stderr, "cannot use database")


def test_no_such_order_and_json_via_python_m(tmp_path: Path, demo_db: Path) -> None:
    result = run_subprocess(tmp_path, "show", "NOPE", "--db", str(demo_db))
    assert result.returncode == exit_codes.NOT_FOUND and result.stdout == ""
    assert_one_line_error(result.stderr, "no order with Order ID 'NOPE'")
    result = run_subprocess(tmp_path, "search", "ord-", "--db", str(demo_db), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["orders"]


def test_db_from_environment_and_unsupported_scheme_subprocess(tmp_path: Path) -> None:
    env_db = tmp_path / "env.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path), ORDERVIEW_DB=str(env_db))
    result = subprocess.run(
        [sys.executable, "-m", "orderview", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and env_db.exists()
    result = run_subprocess(tmp_path, "db", "upgrade", "--db", "oracle://scott@db/x")
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "unsupported database 'oracle'")
