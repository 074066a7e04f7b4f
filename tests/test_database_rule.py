"""One rule for a SQLite ``--db`` path that is not there (README "Everyday use"): only the
commands that make data create it (``demo``, ``order create``, ``db upgrade``, the app); every
other command refuses it in one line and creates nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderview.cli import build_parser, creates_database, exit_codes, main


@pytest.fixture(autouse=True)
def private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("ORDERVIEW_DB", raising=False)


REFUSE = [
    ("search", "acme"),
    ("show", "ORD-1"),
    ("history", "ORD-1"),
    ("open", "ORD-1"),
    ("export", "ORD-1", "-o", "-"),
    ("issue", "ORD-1", "--product", "APP"),
    ("outbox", "list"),
    ("outbox", "send"),
    ("products",),
    ("serve",),
    ("license", "show", "K"),
    ("license", "disable", "K"),
    ("license", "enable", "K"),
    ("license", "reset", "K"),
    ("license", "set", "K", "--note", "n"),
]
CREATE = [("demo", "--orders", "3"), ("order", "create", "--store-id", "X-1"), ("db", "upgrade")]


@pytest.mark.parametrize("argv", REFUSE, ids=lambda a: " ".join(a[:2]))
def test_commands_that_read_refuse_a_missing_file(
    capsys, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    typo = tmp_path / "typo" / "orders.db"
    code = main([*argv, "--db", str(typo)])
    out, err = capsys.readouterr()
    assert code == exit_codes.DB_UNAVAILABLE and out == ""
    assert err.count("\n") == 1 and err.startswith("orderview: error: no database at "), err
    assert not typo.exists()


@pytest.mark.parametrize("argv", CREATE, ids=lambda a: " ".join(a[:2]))
def test_commands_that_make_data_create_the_file(
    capsys, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    new = tmp_path / "new" / "orders.db"
    assert main([*argv, "--db", str(new)]) == 0, capsys.readouterr().err
    assert new.is_file()


def test_every_command_is_on_one_side_of_the_rule() -> None:
    """A new command is covered by the rule: it refuses unless marked ``creates_database``."""
    parser = build_parser()
    handlers = {}
    for action in parser._subparsers._group_actions:  # argparse's only listing of commands
        for name, sub in action.choices.items():
            nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
            subs = nested[0].choices.items() if nested else [(None, sub)]
            for sub_name, leaf in subs:
                handlers[" ".join(filter(None, (name, sub_name)))] = leaf.get_default("handler")
    handlers.pop("completion")  # prints a shell script from the parser: opens no database
    creating = sorted(k for k, h in handlers.items() if creates_database(h))
    assert creating == ["db upgrade", "demo", "order create"]
    assert creates_database(parser.get_default("handler"))  # the app (no command)
    tested = {
        " ".join(a[:2]) if a[0] in ("outbox", "db", "order", "license") else a[0]
        for a in REFUSE + CREATE
    }
    assert tested == set(handlers), set(handlers) ^ tested
