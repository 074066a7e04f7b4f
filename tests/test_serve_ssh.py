"""``orderview serve`` end to end: the real OpenSSH client against the real server.

Identity comes from the key (and only the key), exec requests run orderview's commands and
nothing else, a terminal session is the app on its own pty (search, open, edit, save: the audit
trail names the authenticated operator and key), resizing and dropping the connection behave,
and SIGHUP / SIGTERM do what docs/serving.md says.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_support import ROOT, Server, Terminal, clean_env, fingerprint, keygen

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals and fork: Linux"),
    pytest.mark.skipif(
        shutil.which("ssh") is None and not Path("/usr/bin/ssh").exists(),
        reason="needs the OpenSSH client",
    ),
]

ORDER = "ORD-100002"  # order 2 of the seed-3 demo (order 1 is a SHOP- id)


def _operators(folder: Path, keys: dict[str, Path], roles: dict[str, str]) -> Path:
    lines = []
    for name, role in roles.items():
        lines += [
            f"[operators.{name}]",
            f'role = "{role}"',
            f'keys = ["{(keys[name].with_suffix(".pub")).read_text().strip()}"]',
        ]
    path = folder / "operators.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    folder = tmp_path_factory.mktemp("serve")
    keys = {name: keygen(folder, name) for name in ("alice", "victor", "ada", "mallory")}
    db = folder / "desk.db"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "demo",
            "--db",
            str(db),
            "--orders",
            "30",
            "--seed",
            "3",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=clean_env(),
    )
    yield {"folder": folder, "keys": keys, "db": db}


ROLES = {"alice": "operator", "victor": "viewer", "ada": "admin"}


def _server(desk: dict[str, object], **settings: str) -> Server:
    base, keys, db = desk["folder"], desk["keys"], desk["db"]
    assert isinstance(base, Path) and isinstance(keys, dict) and isinstance(db, Path)
    folder = Path(tempfile.mkdtemp(dir=base))
    env = clean_env(
        ORDERVIEW_DB=str(db), **{f"ORDERVIEW_{k.upper()}": v for k, v in settings.items()}
    )
    server = Server(folder, db, _operators(folder, keys, ROLES), env)
    server.start()
    return server


@pytest.fixture(scope="module")
def server(desk: dict[str, object]) -> Iterator[Server]:
    running = _server(desk)
    yield running
    assert running.stop() == 0


def key(desk: dict[str, object], name: str) -> Path:
    keys = desk["keys"]
    assert isinstance(keys, dict)
    return keys[name]


def _audit(db: Path) -> list[tuple[str, str | None, str | None, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT operator, operator_key, operator_address, summary FROM audit_events ORDER BY id"
        ).fetchall()


def test_exec_runs_an_orderview_command_as_the_key_owner(server: Server, desk) -> None:
    shown = server.run("alice", key(desk, "alice"), "show", ORDER, "--json")
    assert shown.returncode == 0, shown.stderr
    assert f'"store_id": "{ORDER}"' in shown.stdout
    server.wait_log(r"session of alice from 127\.0\.0\.1 ended: status 0")
    from orderview.logs import log_path  # the same lines in the log file (XDG_STATE_HOME)

    logged = log_path().read_text()
    assert "accepted alice (operator) from 127.0.0.1 with key SHA256:" in logged
    assert "session of alice from 127.0.0.1: command show" in logged


def test_exec_refuses_a_shell_command_and_server_side_options(server: Server, desk) -> None:
    for command in (
        ["ls", "/"],
        ["sh", "-c", "id"],
        ["show", ORDER, "--db=/etc/passwd"],
        ["show", ORDER, "--oper", "mallory"],
        ["demo", "--force"],
        ["export", ORDER, "-o", "/tmp/stolen.csv"],
    ):
        result = server.run("alice", key(desk, "alice"), *command)
        assert result.returncode != 0, command
        assert result.stderr.startswith("orderview: "), (command, result.stderr)
        assert result.stdout == ""
    assert not Path("/tmp/stolen.csv").exists()


@pytest.mark.parametrize(
    ("user", "owner"), [("alice", "mallory"), ("victor", "alice"), ("root", "alice")]
)
def test_a_key_proves_only_its_own_operator(server: Server, desk, user: str, owner: str) -> None:
    result = server.run(user, key(desk, owner), "show", ORDER)
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr
    assert result.stdout == ""


def test_password_authentication_is_not_offered(server: Server, desk) -> None:
    result = server.run(
        "alice",
        key(desk, "alice"),
        "show",
        ORDER,
        options=(
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "PubkeyAuthentication=no",
        ),
    )
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr


def test_the_client_cannot_choose_who_acts(server: Server, desk) -> None:
    before = len(_audit(server.db))
    result = server.run(
        "alice",
        key(desk, "alice"),
        "order",
        "create",
        "--reference",
        "from-ssh",
        options=(
            "-o",
            "SetEnv=ORDERVIEW_OPERATOR=mallory ORDERVIEW_ROLE=admin ORDERVIEW_DB=/tmp/other.db",
        ),
    )
    assert result.returncode == 0, result.stderr
    created = _audit(server.db)[before:]
    assert created and {row[0] for row in created} == {"alice"}
    assert {row[1] for row in created} == {fingerprint(key(desk, "alice"))}
    assert {row[2] for row in created} == {"127.0.0.1"}
    assert not Path("/tmp/other.db").exists()


def test_a_viewer_cannot_write_or_export_over_exec(server: Server, desk) -> None:
    result = server.run("victor", key(desk, "victor"), "order", "create", "--reference", "v")
    assert result.returncode == 77
    assert result.stderr == "orderview: error: viewer: creating orders is not allowed\n"
    result = server.run("victor", key(desk, "victor"), "export", ORDER)
    assert result.returncode == 77 and result.stdout == ""
    assert result.stderr == "orderview: error: viewer: exporting is not allowed\n"
    assert server.run("victor", key(desk, "victor"), "history", ORDER).returncode == 0


def test_terminal_session_search_open_edit_save(server: Server, desk) -> None:
    term = Terminal(server.ssh_args("alice", key(desk, "alice")))
    try:
        term.wait_for("Order ID")
        term.send(ORDER)
        term.wait_for(ORDER)
        term.send("\r")
        term.wait_for("Details")
        term.send("e")
        term.wait_for(f"Edit order {ORDER}")
        term.send("REF-OVER-SSH")
        term.send("\x13")  # ctrl+s
        term.wait_for("REF-OVER-SSH")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            rows = [r for r in _audit(server.db) if r[3] == f"Order {ORDER} updated"]
            if rows:
                break
            time.sleep(0.1)
        assert rows[-1][:3] == ("alice", fingerprint(key(desk, "alice")), "127.0.0.1")
        term.resize(100, 30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not term.text().splitlines()[-1].strip():
            time.sleep(0.1)
        assert term.text().splitlines()[-1].strip(), "the app did not redraw at 100×30"
        term.kill()  # the connection drops
        server.wait_log(r"session of alice from 127\.0\.0\.1 ended: status 129")
    finally:
        term.close()


def test_reload_ends_removed_operators_sessions_and_sigterm_stops(desk) -> None:
    server = _server(desk)
    try:
        term = Terminal(server.ssh_args("alice", key(desk, "alice")))
        term.wait_for("Order ID")
        assert server.run("victor", key(desk, "victor"), "show", ORDER).returncode == 0
        keys = desk["keys"]
        assert isinstance(keys, dict)
        _operators(server.folder, keys, {"victor": "viewer", "ada": "admin"})  # alice removed
        server.signal(signal.SIGHUP)
        server.wait_log("operators reloaded")
        assert term.wait_exit(20) is not None
        server.wait_log(r"session of alice .* ended: .*your access changed")
        refused = server.run("alice", key(desk, "alice"), "show", ORDER)
        assert refused.returncode == 255
        assert server.run("victor", key(desk, "victor"), "show", ORDER).returncode == 0
        term.close()
        admin = Terminal(server.ssh_args("ada", key(desk, "ada")))
        admin.wait_for("Order ID")
        server.signal(signal.SIGTERM)
        admin.wait_for("the server is shutting down", timeout=20)
        assert server.proc is not None and server.proc.wait(20) == 0
        admin.close()
    finally:
        server.stop()


def test_idle_sessions_end_and_per_operator_limit(desk) -> None:
    server = _server(desk, serve_idle_timeout="3", serve_max_sessions_per_operator="1")
    try:
        term = Terminal(server.ssh_args("alice", key(desk, "alice")))
        term.wait_for("Order ID")
        second = server.run("alice", key(desk, "alice"), "show", ORDER)
        assert second.returncode != 0 and "the most one operator may have" in second.stderr
        term.wait_for("no input for 3 s", timeout=30)
        assert term.wait_exit(20) is not None
        term.close()
    finally:
        assert server.stop() == 0
