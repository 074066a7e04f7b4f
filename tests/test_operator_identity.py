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
