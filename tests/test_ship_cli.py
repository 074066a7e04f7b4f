"""The conventions of terminal tools on the command line: --version, completion, exit codes,
the PostgreSQL extra, a dumb terminal, and never a traceback (a crash goes to the log)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from orderview.widgets.session_driver import HANGUP_EXIT_STATUS

from benchmarks.pty_terminal import Terminal
from orderview import __version__, logs
from orderview.cli import COMMANDS, exit_codes, main

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE_PG = "postgresql://nobody@127.0.0.1:1/x"


@pytest.fixture(autouse=True)
def private_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ship") / "demo.db"
    assert main(["demo", "--db", str(path), "--orders", "30", "--seed", "5"]) == 0
    return path


def env_without_settings(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env["ORDERVIEW_OPERATOR"] = "tester"
    return env | extra


def python_m(
    *args: str, env: dict[str, str] | None = None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    argv = (
        [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "orderview", *args]
    )
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env if env is not None else env_without_settings(),
    )


# -- --version and completion ----------------------------------------------------------------
def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"orderview {__version__}\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_is_generated_from_the_parser(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shell: str
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for command in COMMANDS:
        assert command in script, command
    for option in ("log-level", "db", "json", "ascii"):  # fish writes `-l json`
        assert re.search(rf"(--|-l ){option}\b", script), option
    checker = shutil.which(shell)
    if checker is not None:  # the shell parses it (bash is always here; zsh, fish if present)
        path = tmp_path / f"orderview.{shell}"
        path.write_text(script)
        assert subprocess.run([checker, "-n", str(path)], capture_output=True).returncode == 0


def test_completion_of_an_unknown_shell_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as done:
        main(["completion", "powershell"])
    assert done.value.code == exit_codes.USAGE


# -- exit codes ------------------------------------------------------------------------------
def readme_exit_codes() -> dict[str, int]:
    """The README's "Exit codes" table: constant name -> code."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {
        name: int(code)
        for code, name in re.findall(r"^\| `?(\d+)`? \| `([A-Z_]+)` \|", section, re.MULTILINE)
    }


def test_readme_table_is_the_exit_codes_module() -> None:
    table = readme_exit_codes()
    assert table == {name: code for name, (code, _) in exit_codes.TABLE.items()}
    assert len(set(table.values())) == len(table)  # every outcome its own code
    assert exit_codes.CRASH not in (0, 1) and HANGUP_EXIT_STATUS == exit_codes.HANGUP == 129
    assert exit_codes.INTERRUPT == 130


def _raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """`orderview show` raises ``exc`` from inside the command."""
    from orderview.cli import data_cmd

    async def boom(args: object, ctx: object) -> int:
        raise exc

    monkeypatch.setattr(data_cmd, "show_cmd", boom)


def test_each_outcome_has_its_code(
    capsys: pytest.CaptureFixture[str], demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--db", str(demo_db)]
    assert main(["search", "", *db]) == exit_codes.SUCCESS
    with pytest.raises(SystemExit) as done:
        main(["search", "--no-such-option"])
    assert done.value.code == exit_codes.USAGE
    assert main(["--config", "/nonexistent/orderview.toml", "search", "x"]) == exit_codes.USAGE
    assert main(["show", "NOPE-404", *db]) == exit_codes.NOT_FOUND
    assert main(["search", "x", "--db", UNREACHABLE_PG]) == exit_codes.DB_UNAVAILABLE
    capsys.readouterr()

    from orderview.services.errors import ConflictError

    _raising(monkeypatch, ConflictError("order", []))
    assert main(["show", "X", *db]) == exit_codes.CONFLICT
    assert capsys.readouterr().err.strip().startswith("orderview: error: This order was changed")
    from orderview.roles import Forbidden

    _raising(monkeypatch, Forbidden("viewer", "exporting"))
    assert main(["show", "X", *db]) == exit_codes.FORBIDDEN
    _raising(monkeypatch, KeyboardInterrupt())
    assert main(["show", "X", *db]) == exit_codes.INTERRUPT
    _raising(monkeypatch, RuntimeError("a bug"))
    assert main(["show", "X", *db]) == exit_codes.CRASH


def test_a_crash_is_one_line_and_the_traceback_goes_to_the_log(
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _raising(monkeypatch, RuntimeError("provoked for the test"))
    assert main(["show", "X", "--db", str(demo_db)]) == exit_codes.CRASH
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == logs.crash_line(logs.log_path()) + "\n"
    assert "Traceback" not in captured.err
    text = logs.log_path().read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: provoked" in text
    assert "stop exit=70" in text


# -- the PostgreSQL extra, and terminals that cannot run the app -------------------------------
def test_postgresql_without_its_driver_names_the_extra() -> None:
    """asyncpg made unimportable, as in an install without the extra (the wheel smoke test
    does it for real)."""
    code = (
        "import sys; sys.modules['asyncpg'] = None\n"
        "from orderview.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    run = python_m("search", "x", "--db", UNREACHABLE_PG, code=code)
    assert run.returncode == exit_codes.USAGE
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'orderview[postgres]'" in lines[0], run.stderr


@pytest.mark.parametrize("term", ["dumb", None])
def test_a_dumb_terminal_gets_one_line_pointing_at_the_commands(
    demo_db: Path, term: str | None
) -> None:
    env = env_without_settings()
    env.pop("TERM", None)
    if term is not None:
        env["TERM"] = term
    for args in (["--db", str(demo_db)], ["open", "NOPE", "--db", str(demo_db)]):
        run = python_m(*args, env=env)
        assert run.returncode == exit_codes.USAGE
        assert run.stdout == ""
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, run.stderr
        assert "needs a terminal" in lines[0] and "orderview search" in lines[0]
        assert "\x1b" not in run.stderr


# -- a crash inside the full-screen app ------------------------------------------------------
CRASHING_APP = """
import sys
from orderview.app import OrderviewApp

def action_help(self):
    raise RuntimeError("provoked in the app")

OrderviewApp.action_help = action_help
from orderview.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_crash_in_the_app_goes_to_the_log_not_over_the_screen(
    demo_db: Path, tmp_path: Path
) -> None:
    env = env_without_settings(TERM="xterm-256color", XDG_STATE_HOME=str(tmp_path / "state"))
    term = Terminal([sys.executable, "-c", CRASHING_APP, "--db", str(demo_db)], env)
    try:
        term.wait_quiet(0.8, limit=30, need_output=True)
        assert term.proc.poll() is None, "the app did not start"
        term.send("?")  # help: the patched action raises
        deadline = time.monotonic() + 30
        while term.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        code = term.proc.poll()
        term.wait_quiet(0.3, limit=5)
        written, _ = term.take()
    finally:
        term.close()
    log_file = tmp_path / "state" / "orderview" / "log" / "orderview.log"
    assert code == exit_codes.CRASH
    tail = written.decode("utf-8", "replace")
    assert "Traceback" not in tail and "provoked" not in tail
    assert f"orderview: internal error; the details are in {log_file}" in tail
    text = log_file.read_text()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: provoked in the app" in text
    assert "stop exit=70" in text
