"""The light start's core (``orderview.quickstart``) and the command line's lazy imports: the
same rows as the service, the same settings as pydantic, the normal start whenever unsure, and
no data layer imported before the first paint."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from orderview import quickstart
from orderview.cli import APP_MODULE, COMMAND_MODULES, COMMANDS, build_parser, modules_for
from orderview.cli.app_cmd import FIRST_PAGE, _apply_flags, light_start
from orderview.cli.context import settings_from_args
from orderview.db.engine import Database
from orderview.db.migrate import HEAD
from orderview.services import orders
from orderview.services.views import OrderSummary
from tests import factories as f
from tests.hostile_corpus import CORPUS

HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "aiosqlite", "asyncpg", "alembic",
         "textual", "rich")


# ------------------------------------------------------------------ the first page


async def seed_hostile(db: Database, count: int) -> None:
    """``count`` orders: hostile Order IDs, references and customer names, ties on created_at
    (the id breaks them), orders without a customer, customers with only a name or an email,
    test/trial flags and license counts."""
    product, _ = await f.add_product(db)
    texts = [text for _, text in CORPUS]
    for i in range(count):
        text = texts[i % len(texts)]
        customer = None
        if i % 4 == 1:
            customer = await f.add_customer(db, email=f"c{i}@example.com", first_name=text[:40],
                                            last_name="", company_name="")
        elif i % 4 == 2:
            customer = await f.add_customer(db, email=f"{i}\x1b[31m@example.com", first_name="",
                                            last_name="", company_name="")
        elif i % 4 == 3:
            customer = await f.add_customer(db, email=f"d{i}@example.com", company_name=text)
        order_id = await f.add_order(
            db, store_id=f"{text[:20]}-{i}", reference=text[:60], customer_id=customer,
            created_at=f.T0 + timedelta(minutes=i // 3), is_test=i % 5 == 0,
            is_trial=i % 7 == 0,
        )
        if i % 3 == 0:
            await f.add_licenses(db, order_id, product, i % 4 + 1)


def fields(row: object) -> tuple[tuple[str, object, type], ...]:
    """Every ``OrderSummary`` field of a row: name, value and type."""
    return tuple((name, getattr(row, name), type(getattr(row, name)))
                 for name in OrderSummary.__dataclass_fields__)


def test_summary_has_the_fields_of_order_summary() -> None:
    assert quickstart.Summary.__slots__ == tuple(OrderSummary.__dataclass_fields__)


@pytest.mark.parametrize("count", [0, 7, FIRST_PAGE + 10])
async def test_first_page_is_the_services_newest_orders(
    sqlite_db: Database, sqlite_path: Path, count: int
) -> None:
    await seed_hostile(sqlite_db, count)
    expected = await orders.recent_orders(sqlite_db, limit=FIRST_PAGE)
    page = quickstart.first_page(sqlite_path, FIRST_PAGE)
    assert page is not None
    assert [fields(r) for r in page.items] == [fields(r) for r in expected.items]
    assert page.has_more == expected.has_more == (count > FIRST_PAGE)
    assert len(page.items) == min(count, FIRST_PAGE)
    if count:
        assert page.items[0].created_at.tzinfo is not None
        hostile = {text[:20] for _, text in CORPUS}
        assert any(s.store_id.rsplit("-", 1)[0] in hostile for s in page.items)


def test_first_page_leaves_unknown_databases_to_the_normal_start(
    sqlite_path: Path, tmp_path: Path
) -> None:
    assert quickstart.first_page(tmp_path / "missing.db", FIRST_PAGE) is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a file without our schema: the normal start migrates it
    assert quickstart.first_page(empty, FIRST_PAGE) is None
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 500)
    assert quickstart.first_page(garbage, FIRST_PAGE) is None
    old = tmp_path / "old.db"
    old.write_bytes(sqlite_path.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'older'")
    conn.close()
    assert quickstart.first_page(old, FIRST_PAGE) is None  # needs a migration
    assert quickstart.first_page(sqlite_path, FIRST_PAGE) is not None


def test_first_page_gives_up_on_a_locked_database(sqlite_path: Path) -> None:
    """Another program holds an exclusive lock (rollback journal): no waiting, the normal start
    (which waits out the busy timeout and reports) takes over."""
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        assert quickstart.first_page(sqlite_path, FIRST_PAGE) is None
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert quickstart.first_page(sqlite_path, FIRST_PAGE) is not None


def test_first_page_opens_read_only(sqlite_path: Path) -> None:
    before = sqlite_path.read_bytes()
    assert quickstart.first_page(sqlite_path, FIRST_PAGE) is not None
    assert sqlite_path.read_bytes() == before


def test_schema_head_is_the_migrations_head() -> None:
    assert quickstart.SCHEMA_HEAD == HEAD


def test_sqlite_file_takes_plain_paths_only(tmp_path: Path) -> None:
    assert quickstart.sqlite_file(str(tmp_path / "a.db")) == tmp_path / "a.db"
    assert quickstart.sqlite_file("~/x.db") == Path("~/x.db").expanduser().resolve()
    for url in ("postgresql://desk@db/orders", "sqlite:///x.db", "", "  ", ":memory:"):
        assert quickstart.sqlite_file(url) is None


# ------------------------------------------------------------------ first-paint settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.lower().startswith("orderview_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def configure(monkeypatch: pytest.MonkeyPatch, folder: Path, env: dict[str, str],
              toml: str | None) -> Path | None:
    """Set the environment; write the TOML file (its path, or None without one)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if toml is None:
        return None
    config = folder / "desk.toml"
    config.write_text(toml, encoding="utf-8")
    return config


CASES: list[tuple[dict[str, str], str | None, dict[str, object]]] = [
    ({}, None, {}),
    ({"ORDERVIEW_DB": "env.db", "ORDERVIEW_MOUSE": "No", "ORDERVIEW_COLORS": "256"}, None, {}),
    ({"orderview_animations": "TRUE", "ORDERVIEW_MINIMAL_OUTPUT": "0"}, None, {}),
    ({}, 'db = "file.db"\nMOUSE = false\ncolors = "16"\noperator = "file-op"\n', {}),
    ({"ORDERVIEW_DB": "env.db", "ORDERVIEW_OPERATOR": "env-op"},
     'db = "file.db"\noperator = "file-op"\nanimations = true\nminimal_output = 0\n', {}),
    ({"ORDERVIEW_DB": "env.db", "ORDERVIEW_COLORS": "16"}, 'mouse = "off"\n',
     {"db": "flag.db", "operator": "flag-op", "colors": "truecolor", "no_mouse": True}),
    ({}, 'plan = "enterprise"\nsmtp_port = 25\n', {"no_mouse": True}),
]


@pytest.mark.parametrize(("env", "toml", "flags"), CASES)
def test_first_paint_settings_agree_with_the_full_settings(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], toml: str | None,
    flags: dict[str, object],
) -> None:
    config = configure(monkeypatch, clean_env, env, toml)
    args = argparse.Namespace(**{k: v for k, v in flags.items()},
                              **({"config": str(config)} if config else {}))
    full = _apply_flags(args, settings_from_args(args))
    light = quickstart.read_first_paint_settings(
        getattr(args, "config", None), getattr(args, "db", None), getattr(args, "operator", None),
        getattr(args, "colors", None), bool(getattr(args, "no_mouse", False)))
    assert light is not None
    for name in quickstart.FIELDS:
        assert getattr(light, name) == getattr(full, name), name


def test_first_paint_settings_read_the_user_config_file(clean_env: Path) -> None:
    path = quickstart.default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('colors = "16"\n', encoding="utf-8")
    light = quickstart.read_first_paint_settings()
    assert light is not None and light.colors == "16"
    assert light.db == str(quickstart.default_db_path())


@pytest.mark.parametrize(("env", "toml"), [
    ({"ORDERVIEW_MOUSE": "maybe"}, None),  # pydantic says what is wrong
    ({"ORDERVIEW_MINIMAL_OUTPUT": " off "}, None),
    ({"ORDERVIEW_COLORS": "42"}, None),
    ({"ORDERVIEW_DB": ""}, None),
    ({"ORDERVIEW_DB": "a.db", "orderview_db": "b.db"}, None),  # which wins is pydantic's call
    ({}, "db = 42\n"),
    ({}, "mouse = 2\n"),
    ({}, "colors = 16\n"),
    ({}, "db = \n"),  # not TOML
    ({}, 'db = "a.db"\nDB = "b.db"\n'),
])
def test_first_paint_settings_unsure_take_the_normal_start(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], toml: str | None,
) -> None:
    config = configure(monkeypatch, clean_env, env, toml)
    assert quickstart.read_first_paint_settings(str(config) if config else None) is None


def test_missing_config_file_takes_the_normal_start(clean_env: Path) -> None:
    assert quickstart.read_first_paint_settings(str(clean_env / "nope.toml")) is None


def test_light_start_only_for_a_current_sqlite_file(
    clean_env: Path, sqlite_path: Path, tmp_path: Path
) -> None:
    assert light_start(argparse.Namespace(db=str(sqlite_path))) is not None
    assert light_start(argparse.Namespace(db=str(tmp_path / "new.db"))) is None
    assert light_start(argparse.Namespace(db="postgresql://desk@127.0.0.1:1/x")) is None
    assert light_start(argparse.Namespace(db=str(sqlite_path),
                                          config=str(tmp_path / "nope.toml"))) is None


# ------------------------------------------------------------------ the command line


def test_command_table_names_every_command_and_its_module() -> None:
    full = build_parser()
    choices = next(a for a in full._actions if a.dest == "command").choices
    assert set(choices) == set(COMMANDS)
    assert set(COMMAND_MODULES) == {APP_MODULE, *COMMANDS.values()}
    for command, module in COMMANDS.items():
        parser = build_parser(modules_for([command]))
        assert command in next(a for a in parser._actions if a.dest == "command").choices
        assert modules_for([command]) == tuple(dict.fromkeys((APP_MODULE, module)))


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (APP_MODULE,)),
    (["--db", "x.db", "--colors", "16", "--no-mouse"], (APP_MODULE,)),
    (["--db=search", "--operator", "show"], (APP_MODULE,)),
    (["--db", "x.db", "search", "acme", "--json"], (APP_MODULE, "orderview.cli.data_cmd")),
    (["search", "--help"], (APP_MODULE, "orderview.cli.data_cmd")),
    (["open", "ORD-1"], (APP_MODULE,)),
    (["--help"], COMMAND_MODULES),
    (["-h"], COMMAND_MODULES),
    (["nosuch"], COMMAND_MODULES),  # argparse lists every choice
    (["--op", "demo", "search", "x"], COMMAND_MODULES),  # an abbreviation: argparse decides
    (["--no-mouse=1"], COMMAND_MODULES),
])
def test_modules_for_imports_only_the_command_that_runs(argv: list[str],
                                                        expected: tuple[str, ...]) -> None:
    assert modules_for(argv) == expected


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from orderview.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


def _modules_after(script: str) -> list[str]:
    code = (
        "import json, sys\n" + script +
        f"\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_light_start_reads_without_the_data_layer_or_textual(sqlite_path: Path) -> None:
    """Up to the app's import, the light start has imported none of the heavy stack."""
    script = (
        "from orderview.cli import build_parser, modules_for\n"
        "from orderview.cli.app_cmd import light_start\n"
        f"argv = ['--db', {str(sqlite_path)!r}]\n"
        "args = build_parser(modules_for(argv)).parse_args(argv)\n"
        "assert light_start(args) is not None\n"
    )
    assert _modules_after(script) == []


def test_the_app_module_imports_textual_but_no_data_layer() -> None:
    assert _modules_after("import orderview.app\n") == ["rich", "textual"]


def test_a_data_command_imports_no_textual() -> None:
    script = (
        "from orderview.cli import build_parser, modules_for\n"
        "build_parser(modules_for(['search', 'x']))\n"
    )
    assert not {"textual", "rich"} & set(_modules_after(script))
