"""Terminal escape injection end to end: the real app in a pseudo-terminal over a database full
of hostile strings; every byte it writes is captured while an operator opens those orders, their
tabs and their history. No control sequence that came from the data may reach the terminal."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from benchmarks.pty_terminal import Terminal
from orderview.db.engine import open_database
from orderview.db.migrate import ensure_schema
from tests.conftest import _truncate_pg
from tests.hostile_corpus import BY_NAME, FORBIDDEN_OUTPUT
from tests.test_hostile_ui import seed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

INJECTED = [
    "osc_title",
    "osc_clipboard",
    "osc_st",
    "csi_clear",
    "csi_colour",
    "bel",
    "backspace",
    "carriage_return",
    "c1_csi",
    "c1_osc",
    "del",
    "nul",
]


def build(path: Path) -> None:
    async def run() -> None:
        db = open_database(str(path))
        await ensure_schema(db)
        await seed(db, [BY_NAME[name] for name in INJECTED])
        await db.dispose()

    asyncio.run(run())


def test_no_control_sequence_from_data_reaches_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "hostile.db"
    build(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester")
    term = Terminal([sys.executable, "-m", "orderview", "--db", str(db)], env)
    stream = b""
    screens: list[str] = []
    try:
        term.wait_quiet(0.8, limit=30, need_output=True)
        for i in (1, 2, 4, 9):  # osc_title, osc_clipboard, csi_clear, c1_csi
            # ctrl+u clears the search box (focused on the home screen) in the same burst as
            # the Order ID and enter (type-ahead stays in order: widgets/still_input.py), then
            # the Customer and License manager tabs, History, and back.
            for keys in (f"\x15H-{i:02d}\r", "2", "4", "h", "\x1b", "\x1b"):
                term.send(keys)
                term.wait_quiet(0.3, limit=10)
                data, _ = term.take()
                stream += data
                screens.append("\n".join(term.screen.display))
        assert term.proc.poll() is None, "the app died"
    finally:
        term.close()
    assert len(stream) > 5_000  # it did draw those screens (the shadow screen is frugal)
    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in stream, forbidden
    seen = "\n".join(screens)
    # The stand-ins are what the operator saw instead (header, tabs, history).
    assert "␛]0;pwned␇" in seen
    assert "␛]52;c;" in seen
    assert "EVIL␛[2J␛[1;1HPWNED" in seen
    assert "c1\\x9b2Jcsi" in seen


def test_cli_output_never_carries_control_sequences_from_data(tmp_path: Path) -> None:
    """The commands print the same data to a terminal: show, search and history (tables and
    JSON) keep controls as stand-ins or JSON escapes."""
    import json
    import subprocess

    db = tmp_path / "hostile.db"
    build(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    outputs = {}
    for args in (
        ["show", "H-01"],
        ["show", "H-04"],
        ["search", "H-"],
        ["history", "H-09"],
        ["show", "H-02", "--json"],
    ):
        run = subprocess.run(
            [sys.executable, "-m", "orderview", *args, "--db", str(db)],
            capture_output=True,
            cwd=Path(__file__).parent.parent,
            env=env,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        outputs[" ".join(args)] = run.stdout
        for forbidden in FORBIDDEN_OUTPUT:
            assert forbidden not in run.stdout, (args, forbidden)
        assert b"\x1b" not in run.stdout and b"\x07" not in run.stdout
    assert "␛]0;pwned␇".encode() in outputs["show H-01"]
    assert json.loads(outputs["show H-02 --json"])["reference"] == BY_NAME["osc_clipboard"]


NOT_UTF8 = (b"ab\xffc", b"\xc3(")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_cli_arguments_no_order_can_have(
    tmp_path: Path, request: pytest.FixtureRequest, database: str
) -> None:
    """Command-line bytes that are not UTF-8 (a lone surrogate to Python), controls, an ESC
    sequence and a C1 CSI as the search text or Order ID: "no orders match" or one
    `orderview: error:` line, never a traceback (the lookups raised in the driver before), and
    no raw control on either stream (invalid bytes may come back as given: they are not
    controls, and a terminal draws them as replacement characters)."""
    import subprocess

    if database == "sqlite":
        url = str(tmp_path / "hostile.db")
        build(Path(url))
    else:
        url = request.getfixturevalue("pg_url")

        async def seed_pg() -> None:
            db = open_database(url)
            await _truncate_pg(db)
            await seed(db, [BY_NAME[name] for name in INJECTED if name != "nul"])
            await db.dispose()

        asyncio.run(seed_pg())
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    texts = (*NOT_UTF8, b"x\x01y", b"\x1b]0;pwned\x07", b"c1\xc2\x9b2J")
    runs = [("search", text) for text in texts] + [
        (command, text)
        for command in ("show", "history", "export", "open")
        for text in (NOT_UTF8[0], b"\x1b]0;pwned\x07")
    ]  # one Order ID lookup behind them all
    for command, text in runs:
        run = subprocess.run(
            [sys.executable, "-m", "orderview", command, text, "--db", url],
            capture_output=True,
            cwd=Path(__file__).parent.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert b"Traceback" not in run.stderr, (command, text, run.stderr.decode()[-800:])
        if command == "search":  # the ESC and C1 texts start seeded references
            assert run.returncode == 0, run.stderr
            assert run.stdout.startswith(
                b"no orders match" if text in NOT_UTF8 else (b"no orders match", b"ORDER ID")
            ), (text, run.stdout)
        else:
            assert run.returncode != 0
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(b"orderview: error: no order"), (
                command,
                text,
                run.stderr,
            )
        for stream in (run.stdout, run.stderr):
            assert not any(c in stream for c in (b"\x1b", b"\x07", b"\x01", b"\xc2\x9b")), (
                command,
                text,
                stream,
            )
