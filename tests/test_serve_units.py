"""The pieces of ``orderview serve`` that need no network: the operators file and its checks,
which command lines an exec request may run, the auth-failure ban, the fixed identity, the
output pump once the channel has gone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orderview.serve import exec_policy, session
from orderview.serve.operators import OperatorsError, parse_operators
from tests.serve_support import ROOT, clean_env, fingerprint, keygen


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: keygen(folder, name) for name in ("a", "b")}


def _pub(key: Path) -> str:
    return key.with_suffix(".pub").read_text().strip()


def test_operators_inline_and_from_a_keys_file(tmp_path: Path, keys) -> None:
    keys_file = tmp_path / "victor.pub"
    keys_file.write_text(f'# victor\'s laptop\n\nno-pty,from="10.0.0.0/8" {_pub(keys["b"])}\n')
    text = (
        f'[operators.alice]\nrole = "operator"\nkeys = ["{_pub(keys["a"])}"]\n'
        f'[operators.victor]\nrole = "viewer"\nkeys_file = "victor.pub"\n'
    )
    ops = parse_operators(text, tmp_path / "operators.toml")
    assert ops.who(fingerprint(keys["a"])).name == "alice"
    victor = ops.who(fingerprint(keys["b"]))
    assert victor is not None and (victor.name, victor.role) == ("victor", "viewer")


def test_every_problem_is_one_line(tmp_path: Path, keys) -> None:
    text = (
        f'[operators.alice]\nrole = "boss"\nkeys = ["{_pub(keys["a"])}"]\n'
        f'[operators.bob]\nrole = "viewer"\nkeys = ["ssh-ed25519 AAAAnotakey"]\n'
        f'[operators.carol]\nrole = "admin"\nkeys = ["{_pub(keys["b"])}"]\n'
        f'[operators.dave]\nrole = "admin"\nkeys = ["{_pub(keys["b"])}"]\n'
        f'[operators."Eve Smith"]\nrole = "admin"\nkeys = ["{_pub(keys["a"])}"]\n'
        f'[operators.fay]\nrole = "admin"\nkeys_file = "missing.pub"\n'
    )
    with pytest.raises(OperatorsError) as caught:
        parse_operators(text, tmp_path / "operators.toml")
    problems = caught.value.problems
    assert any("alice: unknown role 'boss'" in p for p in problems)
    assert any("bob: key 1: not a public key" in p for p in problems)
    assert any(
        p.startswith("operator dave: key SHA256:") and "also operator carol's" in p
        for p in problems
    )
    assert any("'Eve Smith'" in p for p in problems)
    assert any("fay: cannot read keys_file" in p for p in problems)
    assert all("\n" not in p for p in problems)


def test_serve_check_prints_each_problem(tmp_path: Path, keys) -> None:
    path = tmp_path / "operators.toml"
    path.write_text(
        f'[operators.alice]\nrole = "boss"\nkeys = ["{_pub(keys["a"])}"]\n'
        f'[operators.bob]\nrole = "viewer"\nkeys = ["{_pub(keys["a"])}"]\n'
    )
    run = subprocess.run(
        [sys.executable, "-m", "orderview", "serve", "--check", "--operators", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env(),
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"orderview: {path}: operator alice: unknown role 'boss' (one of viewer, operator, admin)"
    ]
    path.write_text(f'[operators.alice]\nrole = "admin"\nkeys = ["{_pub(keys["a"])}"]\n')
    run = subprocess.run(
        [sys.executable, "-m", "orderview", "serve", "--check", "--operators", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env(),
    )
    assert run.returncode == 0 and "1 operators, 1 keys: ok" in run.stdout


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("show ORD-1 --json", ["show", "ORD-1", "--json"]),
        ("orderview search 'Drift wood' --limit 5", ["search", "Drift wood", "--limit", "5"]),
        ("export ORD-1", ["export", "ORD-1", "-o", "-"]),
        ("export ORD-1 -o -", ["export", "ORD-1", "-o", "-"]),
        ("history ORD-1 -- --db", ["history", "ORD-1", "--", "--db"]),
    ],
)
def test_exec_commands_allowed(command: str, argv: list[str]) -> None:
    assert exec_policy.parse(command) == argv


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("", "no command"),
        ("bash", "not an orderview command"),
        ("sh -c id", "not an orderview command"),
        ("demo --force", "not an orderview command"),
        ("serve", "not an orderview command"),
        ("db upgrade", "not an orderview command"),
        ("show ORD-1 --db /tmp/x.db", "--db is set by the server"),
        ("show ORD-1 --d=/tmp/x.db", "--d is set by the server"),
        ("search x --conf /etc/x", "--conf is set by the server"),
        ("show X --operator mallory", "--operator is set by the server"),
        ("export ORD-1 -o /tmp/x.csv", "writes to your terminal only"),
        ("export ORD-1 --output=/tmp/x.csv", "writes to your terminal only"),
        ("export ORD-1 -o/tmp/x.csv", "writes to your terminal only"),
        ("show 'unterminated", "cannot parse"),
        ("show ORD-1\x1b[2J", "control characters"),
    ],
)
def test_exec_commands_refused(command: str, why: str) -> None:
    with pytest.raises(exec_policy.Refused, match=why.replace("[", r"\[")):
        exec_policy.parse(command)


def test_no_shell_ever_reads_the_command_line() -> None:
    """';' and '$(…)' are parts of words for argparse, never separators or expansions."""
    assert exec_policy.parse("show ORD-1; rm -rf /") == ["show", "ORD-1;", "rm", "-rf", "/"]
    assert exec_policy.parse("search $(id)") == ["search", "$(id)"]


def test_failed_logins_ban_an_address_for_a_while(monkeypatch) -> None:
    from orderview.serve.operators import Operators
    from orderview.serve.server import Desk
    from orderview.settings import Settings

    desk = Desk(Settings(serve_auth_failures=3, serve_ban_seconds=0.2), Path("x"), Operators(), [])
    for _ in range(2):
        desk.failed("10.1.1.1")
    assert not desk.is_banned("10.1.1.1")
    desk.failed("10.1.1.1")
    assert desk.is_banned("10.1.1.1") and not desk.is_banned("10.1.1.2")
    time.sleep(0.25)
    assert not desk.is_banned("10.1.1.1")


def test_a_fixed_identity_ignores_every_other_source(monkeypatch) -> None:
    from orderview import identity
    from orderview.roles import Actor

    monkeypatch.setattr(identity, "_fixed", None)
    local = identity.current_actor("flag-name", "setting-name", "viewer")
    assert (str(local), local.role) == ("flag-name", "viewer")
    identity.fix_actor(Actor("alice", "operator", fingerprint="SHA256:x", address="1.2.3.4"))
    fixed = identity.current_actor("mallory", "mallory", "admin")
    assert (str(fixed), fixed.role, fixed.fingerprint) == ("alice", "operator", "SHA256:x")
    with pytest.raises(RuntimeError):
        identity.fix_actor(Actor("mallory", "admin"))


class _ClosedChannel:
    """An SSH writer whose channel has closed: every write is refused, as asyncssh does."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1
        raise BrokenPipeError("Channel not open for sending")

    async def drain(self) -> None:
        raise AssertionError("nothing was written to drain")


async def test_output_is_drained_after_the_channel_closes() -> None:
    """The session's output must be read to its end whatever the channel does: a pty nobody
    reads blocks the app's writer thread, and an app told to hang up can then never exit.
    More than a pipe's buffer is written here; the writer gives up if the pump stops."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    channel = _ClosedChannel()
    pump = asyncio.create_task(session.pump_out(read_end, channel, None))
    frame = b"\x1b[H" + b"x" * 8190
    written = await asyncio.to_thread(_write_frames, write_end, frame, 64)
    assert written == 64 * len(frame), "the pump stopped reading once the channel closed"
    await asyncio.wait_for(pump, 10)  # returns once the writing side has closed
    os.close(read_end)
    assert channel.writes == 1  # refused once, then dropped without asking again


def _write_frames(fd: int, frame: bytes, count: int) -> int:
    """Write ``count`` frames, giving up if the pipe stays full for 5 s (nobody reads it)."""
    os.set_blocking(fd, False)
    written, view = 0, memoryview(frame * count)
    deadline = time.monotonic() + 5
    while written < len(view) and time.monotonic() < deadline:
        try:
            written += os.write(fd, view[written:])
        except BlockingIOError:
            time.sleep(0.01)
    os.close(fd)
    return written
