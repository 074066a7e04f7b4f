"""Settings: ORDERVIEW_* variables, a TOML file (--config or the user config dir), precedence."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Literal, get_args, get_origin

import pytest

from orderview.cli.context import CLIError, settings_from_args
from orderview.settings import Settings, default_config_path, default_db_path, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ORDERVIEW_* from the machine, and a private user config/data directory."""
    for name in list(os.environ):
        if name.startswith("ORDERVIEW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(clean_env: Path) -> None:
    s = load_settings()
    assert s.db == str(default_db_path())
    assert s.db.startswith(str(clean_env / "data"))
    assert s.plan == "standard" and s.operator is None and s.smtp_host is None
    assert s.smtp_port == 587 and s.smtp_security == "starttls"
    assert s.mouse is True and s.animations is False and s.colors == "auto"
    assert default_config_path() == clean_env / "config" / "orderview" / "config.toml"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERVIEW_DB", "postgresql://desk@db.internal/orders")
    monkeypatch.setenv("ORDERVIEW_PLAN", "enterprise")
    monkeypatch.setenv("ORDERVIEW_OPERATOR", "alice")
    monkeypatch.setenv("ORDERVIEW_SMTP_HOST", "mail.internal")
    monkeypatch.setenv("ORDERVIEW_SMTP_PORT", "2525")
    monkeypatch.setenv("ORDERVIEW_SMTP_SECURITY", "tls")
    monkeypatch.setenv("ORDERVIEW_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("ORDERVIEW_MOUSE", "false")
    monkeypatch.setenv("ORDERVIEW_COLORS", "16")
    monkeypatch.setenv("ORDERVIEW_DEFAULT_MANAGER_PERMISSIONS", '["reset_device"]')
    s = load_settings()
    assert s.db == "postgresql://desk@db.internal/orders"
    assert (s.plan, s.operator, s.smtp_host, s.smtp_port) == (
        "enterprise",
        "alice",
        "mail.internal",
        2525,
    )
    assert s.smtp_security == "tls" and s.mouse is False and s.colors == "16"
    assert s.smtp_password is not None and s.smtp_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)
    assert s.default_manager_permissions == ["reset_device"]


def test_toml_file_given_with_config(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "desk.toml",
        'db = "/srv/orders.db"\nplan = "enterprise"\n'
        'smtp_host = "smtp.example.com"\nmail_from = "licensing@example.com"\n',
    )
    s = load_settings(cfg)
    assert (s.db, s.plan, s.smtp_host, s.mail_from) == (
        "/srv/orders.db",
        "enterprise",
        "smtp.example.com",
        "licensing@example.com",
    )


def test_toml_file_in_user_config_dir_is_read() -> None:
    write(default_config_path(), 'operator = "desk-7"\n')
    assert load_settings().operator == "desk-7"


def test_precedence_flag_over_env_over_file_over_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write(
        tmp_path / "c.toml", 'db = "from-file.db"\noperator = "file-op"\nplan = "enterprise"\n'
    )
    monkeypatch.setenv("ORDERVIEW_DB", "from-env.db")
    monkeypatch.setenv("ORDERVIEW_OPERATOR", "env-op")
    s = load_settings(cfg, db="from-flag.db", operator=None)
    assert s.db == "from-flag.db"  # flag beats environment
    assert s.operator == "env-op"  # environment beats file (flag not given)
    assert s.plan == "enterprise"  # file beats default
    assert s.smtp_port == 587  # default


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")
    args = argparse.Namespace(config=str(tmp_path / "nope.toml"))
    with pytest.raises(CLIError) as info:
        settings_from_args(args)
    assert info.value.exit_code == 2 and "nope.toml" in str(info.value)


NOT_TOML = (b"plan = 3\n[x\n", "not valid TOML (Expected ']' at the end of a table declaration")
NOT_UTF8 = (b'plan = "\xff"\n', "not UTF-8 text")


@pytest.mark.parametrize(
    ("where", "content", "reason"),
    [
        ("--config", *NOT_TOML),
        ("--config", *NOT_UTF8),
        ("--config", None, "it is a directory"),
        ("user config dir", *NOT_TOML),
        ("user config dir", *NOT_UTF8),
    ],
)
def test_unreadable_config_file_is_one_clear_line(
    tmp_path: Path, where: str, content: bytes | None, reason: str
) -> None:
    """A config file that is not TOML, not UTF-8 or a directory: the command ends with one line
    naming the file and why (it was a tomllib traceback)."""
    path = tmp_path / "desk.toml" if where == "--config" else default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    config = str(path) if where == "--config" else None
    with pytest.raises(CLIError) as info:
        settings_from_args(argparse.Namespace(config=config))
    assert info.value.exit_code == 2
    assert str(info.value).startswith(f"cannot read config file {path}: {reason}")


def test_invalid_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERVIEW_PLAN", "gold")
    with pytest.raises(CLIError, match="invalid setting plan"):
        settings_from_args(argparse.Namespace())
    monkeypatch.setenv("ORDERVIEW_PLAN", "standard")
    monkeypatch.setenv("ORDERVIEW_DEFAULT_MANAGER_PERMISSIONS", '["fly"]')
    with pytest.raises(CLIError, match="default_manager_permissions"):
        settings_from_args(argparse.Namespace())


def _sample(name: str) -> str:
    """A value different from the default, chosen by the field's type."""
    field = Settings.model_fields[name]
    default = field.default
    kind = field.annotation
    if kind is bool or kind == bool | None:
        return "false" if default else "true"
    if kind is int:
        return "1"
    if kind is float:
        return "3.5"
    if get_origin(kind) is Literal:
        return next(str(v) for v in get_args(kind) if v != default)
    if name == "default_manager_permissions":
        return '["reset_license"]'
    if name == "mail_from":
        return "desk@example.com"
    if name == "portal_url":
        return "https://licensing.example.com"
    return "x"


def test_every_field_has_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README lists ORDERVIEW_<FIELD> for each field; keep that true for new fields."""
    for name in Settings.model_fields:
        monkeypatch.setenv(f"ORDERVIEW_{name.upper()}", _sample(name))
    s = load_settings()
    for name, field in Settings.model_fields.items():
        value = getattr(s, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        default = field.default_factory() if field.default_factory else field.default
        assert value is not None and value != default, name
