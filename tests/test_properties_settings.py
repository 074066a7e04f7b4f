"""The settings are an input schema too: any ORDERVIEW_* value and any config file either give
valid settings or one `orderview: error:` line (exit 2) with no raw control character, never a
traceback. Values come from the environment and from a file someone else may have written."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderview.cli import main
from orderview.cli.context import CLIError, settings_from_args
from orderview.mail.composer import build_message
from orderview.permissions import PERMISSION_CODES
from orderview.settings import Settings
from tests.hostile_corpus import STRINGS

FIELDS = sorted(Settings.model_fields)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
values = st.one_of(
    st.sampled_from(STRINGS),
    st.text(max_size=30),
    st.sampled_from(
        [
            "enterprise",
            "standard",
            "25",
            "-1",
            "nan",
            "true",
            "0",
            "256",
            "none",
            '["reset_license"]',
            '["x\x1b[2J"]',
            "[",
            "tls",
            "3.5e9",
            "99999",
            "inf",
            "x@y.z\r\nBcc: evil@example.com",
            "Desk <desk@example.com>",
            "https://portal.example.com/x",
            "javascript:alert(1)",
            "mail example",
            "smtp.example.com",
            "a@b",
        ]
    ),
)
toml_files = st.one_of(
    st.binary(max_size=200),
    st.lists(
        st.tuples(
            st.sampled_from([*FIELDS, "x"]),
            st.one_of(
                st.integers(-(2**70), 2**70).map(str),
                st.booleans().map(str).map(str.lower),
                values.map(lambda v: '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'),
                st.just('["reset_device", "fly"]'),
            ),
        ),
        max_size=4,
    ).map(lambda pairs: "".join(f"{k} = {v}\n" for k, v in pairs).encode("utf-8", "replace")),
)
SLOW = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def private_env(tmp_path: Path) -> Iterator[Path]:
    """No ORDERVIEW_* from the machine and a private config dir; restored afterwards."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("ORDERVIEW_"):
            del os.environ[name]
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    try:
        yield tmp_path
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    os.environ.update(env)
    try:
        yield
    finally:
        for name in env:
            os.environ.pop(name, None)


def check(args: argparse.Namespace, names: set[str] | None = None) -> Settings | None:
    """Settings, or None after a refusal that names one of ``names`` (or the config file)."""
    try:
        conf = settings_from_args(args)
    except CLIError as exc:
        assert exc.exit_code == 2
        message = str(exc)
        if names is None:
            assert message.startswith(("invalid setting ", "cannot read config file ")), message
        else:  # the setting that was given, not a misleading file error
            assert any(message.startswith(f"invalid setting {n}") for n in names), message
        return None
    # What was accepted is what the schema promises.
    assert conf.plan in ("standard", "enterprise")
    assert set(conf.default_manager_permissions) <= set(PERMISSION_CODES)
    assert isinstance(conf.smtp_port, int) and isinstance(conf.mouse, bool)
    assert 1 <= conf.smtp_port <= 65535 and 0 < conf.smtp_timeout <= 600
    # What mail is built and sent from: a message can always be built (a CR LF in mail_from
    # raised while delivering), and nothing carries a control character.
    build_message(conf.mail_from, "to@example.com", "subject", "body")
    for text in (
        conf.smtp_host,
        conf.smtp_username,
        conf.mail_from,
        conf.portal_url,
        conf.operator,
    ):
        assert text is None or not CONTROLS.search(text), text
    assert conf.portal_url.lower().startswith(("http://", "https://"))
    return conf


def test_any_environment_value(private_env: Path) -> None:
    @SLOW
    @given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=4))
    def run(env: dict[str, str]) -> None:
        env = {f"ORDERVIEW_{k.upper()}": v for k, v in env.items() if "\x00" not in v}
        with environment(env):
            conf = check(argparse.Namespace(), {k[len("ORDERVIEW_") :].lower() for k in env})
        if conf is not None and "ORDERVIEW_DB" in env:
            assert conf.db == env["ORDERVIEW_DB"]

    run()


def test_any_config_file(private_env: Path) -> None:
    path = private_env / "desk.toml"

    @SLOW
    @given(toml_files)
    def run(content: bytes) -> None:
        path.write_bytes(content)
        check(argparse.Namespace(config=str(path)))

    run()


def test_the_error_line_shows_controls_as_stand_ins(
    private_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused value is quoted in the error line: ESC and BEL as stand-ins, one line."""
    path = private_env / "desk.toml"
    path.write_text('default_manager_permissions = ["x\\u001b]0;pwned\\u0007"]\n')
    assert main(["--config", str(path), "search", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("orderview: error: invalid setting default_manager_permissions")
    assert "x␛]0;pwned␇" in err and not CONTROLS.search(err) and err.count("\n") == 1
