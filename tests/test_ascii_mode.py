"""ASCII mode: on a terminal whose locale is not UTF-8 (or with --ascii), not one byte above
0x7F reaches it, over screens full of box drawing, checkboxes, scroll bars, wide and combining
characters and control stand-ins."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from benchmarks.pty_terminal import Terminal
from orderview import safetext
from orderview.db.engine import open_database
from orderview.db.migrate import ensure_schema
from orderview.terminal.ascii import ascii_char, locale_is_utf8, to_ascii, wanted
from orderview.terminal.widths import char_width
from tests.hostile_corpus import BY_NAME
from tests.test_hostile_ui import seed

SHOWN = [
    "csi_clear",
    "cjk_wide",
    "emoji",
    "combining",
    "rtl",
    "bidi_override",
    "zero_width",
    "del",
    "long",
    "brackets",
]


def cells(text: str) -> int:
    return sum(max(char_width(c), 0) for c in text)


@pytest.mark.parametrize(
    "text",
    [
        "╭──┬──╮│┃┏━┓╰┴╯",
        "▐X▌ ▐ ▌",
        "▔▔▁▁▊▎█▀▄",
        "tëxt … — → ↓ ⏎ · ×",
        "株式会社",
        "Z\u0351a\u0300",
        *(BY_NAME[name] for name in SHOWN),
    ],
)
def test_to_ascii_keeps_every_cell_where_it_was(text: str) -> None:
    plain = to_ascii(safetext.visible(text))
    assert plain.isascii()
    assert cells(plain) == cells(safetext.visible(text))


def test_the_glyphs_read_as_what_they_were() -> None:
    assert to_ascii("╭─╮│ │╰─╯") == "+-+| |+-+"
    assert to_ascii("▐X▌") == "[X]"
    assert to_ascii("Müller…") == "Muller~"
    assert to_ascii("株") == "??"
    assert ascii_char("\u0301") == ""


@pytest.mark.parametrize(
    ("env", "utf8"),
    [
        ({}, True),
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "C.utf8"}, True),
        ({"LANG": "C"}, False),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "C"}, False),
        ({"LANG": "C", "LC_CTYPE": "de_DE.UTF-8"}, True),
        ({"LANG": "en_US.ISO-8859-1"}, False),
        ({"LC_ALL": "POSIX"}, False),
    ],
)
def test_the_locale_decides(env: dict[str, str], utf8: bool) -> None:
    assert locale_is_utf8(env) is utf8
    assert wanted(None, env) is not utf8
    assert wanted(True, env) is True and wanted(False, env) is False


def test_stand_ins_in_ascii() -> None:
    try:
        safetext.use_ascii(True)
        assert safetext.visible("a\x1bb\x7f\x9b", 20) == "a\\x1bb\\x7f\\x9b"
        assert safetext.visible("x" * 10, 5) == "xxxx~"
    finally:
        safetext.use_ascii(False)
    assert safetext.visible("a\x1bb") == "a␛b"


@pytest.fixture(scope="module")
def unicode_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ascii") / "unicode.db"

    async def build() -> None:
        db = open_database(str(path))
        await ensure_schema(db)
        await seed(db, [BY_NAME[name] for name in SHOWN])
        await db.dispose()

    asyncio.run(build())
    return path


def drive(db: Path, env: dict[str, str], args: list[str]) -> tuple[bytes, str]:
    """Orders, an order with wide and combining text, its four tabs, the manager dialog's
    checkboxes, history, help: every byte the app wrote, and the screens it showed."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORDERVIEW_", "TEXTUAL", "LC_", "LANG"))
    }
    term = Terminal(
        [sys.executable, "-m", "orderview", "--db", str(db), *args],
        base | {"TERM": "xterm-256color", "ORDERVIEW_OPERATOR": "tester"} | env,
    )
    stream = b""
    screens: list[str] = []

    def shown() -> str:
        nonlocal stream
        data, _ = term.take()
        stream += data
        return "\n".join(term.screen.display)

    # Each key, then what its screen shows once drawn (None: the terminal gone quiet).
    steps = [
        ("\x15H-02\r", "Order H-02"),
        ("2", None),
        ("3", None),
        ("4", "Perms:"),
        ("\r", "Edit permissions"),
        ("\x1b", None),
        ("h", "History of order"),
        ("\x1b", None),
        ("?", "Keys:"),
        ("\x1b", None),
        ("\x1b", None),
        ("\x15H-0", "orders match"),
    ]
    try:
        term.wait_quiet(0.8, limit=30, need_output=True)
        for keys, expected in steps:
            term.send(keys)
            deadline = time.monotonic() + 20
            while expected is not None and expected not in shown():
                assert time.monotonic() < deadline, f"{expected!r} never shown"
                time.sleep(0.05)
            term.wait_quiet(0.3, limit=10)
            screens.append(shown())
        assert term.proc.poll() is None, "the app died"
    finally:
        term.close()
    return stream, "\n".join(screens)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(
    ("env", "args", "plain"),
    [
        ({"LC_ALL": "C"}, [], True),
        ({"LANG": "C.UTF-8"}, ["--ascii"], True),
        ({"LANG": "C.UTF-8"}, [], False),  # the control: Unicode when the terminal speaks it
    ],
)
def test_no_byte_above_0x7f_under_a_c_locale(
    unicode_db: Path, env: dict[str, str], args: list[str], plain: bool
) -> None:
    stream, seen = drive(unicode_db, env, args)
    assert len(stream) > 5_000  # it drew those screens
    high = [b for b in stream if b > 0x7F]
    if plain:
        assert high == [], stream[max(stream.find(bytes(high[:1])) - 80, 0) :][:200]
        assert "Order H-02" in seen
        assert "| [X] Reset device" in seen and "| [ ] Reset license" in seen  # checkboxes
        assert "+-----" in seen  # the dialog's box
    else:
        assert "─".encode() in stream or "▁".encode() in stream
