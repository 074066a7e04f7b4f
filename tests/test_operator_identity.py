"""Who is operating (the audit trail's operator): --operator, ORDERVIEW_OPERATOR, login+SSH."""

from __future__ import annotations

import pytest

from orderview.identity import default_operator, resolve_operator
from orderview.settings import Settings


def test_flag_beats_environment_beats_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.setenv("ORDERVIEW_OPERATOR", "desk-7")
    settings = Settings(db="x.db")
    assert resolve_operator("alice", settings.operator) == "alice"
    assert resolve_operator(None, settings.operator) == "desk-7"
    assert resolve_operator("  ", settings.operator) == "desk-7"
    monkeypatch.delenv("ORDERVIEW_OPERATOR")
    assert resolve_operator(None, Settings(db="x.db").operator) == "jdoe"


def test_login_name_carries_the_ssh_client_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    monkeypatch.setenv("SSH_CONNECTION", "203.0.113.9 52144 10.0.0.5 22")
    assert default_operator() == "jdoe@203.0.113.9"
    monkeypatch.setenv("SSH_CONNECTION", "")
    assert default_operator() == "jdoe"


@pytest.mark.parametrize(
    "name", ["op\x1b]0;pwned\x07", "sur\udcffrogate", "bidi\u202eevil", "nul\x00", "x" * 101]
)
def test_an_operator_the_audit_trail_cannot_hold_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """--operator, ORDERVIEW_OPERATOR or the config file: refused with the setting's name (a
    lone surrogate from non-UTF-8 bytes crashed the first write; ESC went into the audit
    trail)."""
    import argparse

    from orderview.cli.context import CLIError, settings_from_args

    monkeypatch.delenv("ORDERVIEW_OPERATOR", raising=False)
    with pytest.raises(CLIError, match=r"^invalid setting operator: ") as info:
        settings_from_args(argparse.Namespace(operator=name))
    assert "Value error" not in str(info.value)
    if "\x00" not in name:  # an environment variable cannot hold a NUL
        monkeypatch.setenv("ORDERVIEW_OPERATOR", name)
        with pytest.raises(CLIError, match=r"^invalid setting operator: "):
            settings_from_args(argparse.Namespace())
    assert (
        resolve_operator("  desk 7 ", Settings(db="x.db", operator=" desk 7 ").operator) == "desk 7"
    )


def test_a_login_name_from_the_environment_is_made_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    """USER/LOGNAME are the environment's, not the operator's choice: shown and stored with
    controls as stand-ins and undecodable bytes as U+FFFD, never refused."""
    monkeypatch.setattr("getpass.getuser", lambda: "ev\x1b[2Jil\udcff")
    monkeypatch.setenv("SSH_CONNECTION", "")
    assert default_operator() == "ev␛[2Jil\ufffd"
