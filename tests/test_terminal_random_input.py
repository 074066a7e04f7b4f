"""Random byte streams from the terminal never end the session and never delete anything: the
real app in a pseudo-terminal over a demo database (``orderview demo --orders 20``) gets random
keys, escape sequences (whole and cut), bytes that are not UTF-8, and bracketed pastes (closed
or not) whose content is random text or ``ESC`` followed by the keys that would open an order,
open Delete, type its Order ID and press enter. Afterwards the app still runs and answers
ctrl+l, and every order and license is still there.

Why random input cannot delete legitimately: deleting needs the exact Order ID typed into the
Delete dialog after it appeared, and every Order ID holds a ``0``, which neither the typed keys
nor the first line of any paste (all a one-line box keeps) contain. The keys that end the app
by design (``q`` on the orders list, ctrl+q, the command palette's Quit) are not typed; mouse
clicks are not sent (the footer's Quit is clickable).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.pty_terminal import build_demo
from tests.pty_support import PASTE_END, PASTE_START, PtyApp, order_ids

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

PASTE_IDLE = 2.0  # orderview.terminal.paste.PASTE_IDLE: a cut paste ends after this long

LETTERS = "abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # no q: it quits the list
KEYS = [
    *LETTERS,
    *" -_./,?=@[]{}'\"\\|<>;:!#$%&*+()~`",
    *"1234",
    "é",
    "\t",
    "\r",
    "\n",
    "\x7f",
    "\x08",
    "\x01",
    "\x05",
    "\x0b",
    "\x15",
    "\x17",
    "\x13",
    "\x12",
    "\x0e",
    "\x03",
    "\x1a",
    "\x00",
    "\x0c",
]
SEQUENCES = [
    "\x1b",
    "\x1b\x1b",
    "\x1b[A",
    "\x1b[B",
    "\x1b[C",
    "\x1b[D",
    "\x1b[H",
    "\x1b[F",
    "\x1b[2~",
    "\x1b[3~",
    "\x1b[5~",
    "\x1b[6~",
    "\x1bOP",
    "\x1b[15~",
    "\x1b[Z",
    "\x1b[1;5A",
    "\x1b[1;2C",
    "\x1ba",
    "\x1b[<64;11;5M",
    "\x1b[<65;3;3M",
    "\x1b[<35;21;11M",
    "\x1b[I",
    "\x1b[O",
    "\x1b[201~",
    "\x9b",
    "\x1b]2;x\x07",
    "\x1b[?1;2c",
    "\x1b[13u",
    "\x1b[27;5;13~",
]
# Cut short (a cut marker only as far as it holds no 0: the key parser gives up on it and
# types its characters).
CUT = [s[:n] for s in ("\x1b[1;5A", "\x1b[<64;11;5M", "\x1b]2;t") for n in range(1, len(s))]
CUT += ["\x1b[2"]
NOT_UTF8 = [b"\xe9", b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf0\x9f"]

fragment = st.one_of(
    st.sampled_from(KEYS).map(str.encode),
    st.sampled_from(SEQUENCES + CUT).map(str.encode),
    st.sampled_from(NOT_UTF8),
)
typing = st.lists(fragment, min_size=1, max_size=12).map(b"".join)


def attacks(ids: list[str]) -> st.SearchStrategy[bytes]:
    """What a hostile clipboard holds: after a line break (a one-line box keeps only the first
    line), ESC and the keys that open an order, open Delete, type its Order ID and confirm."""
    return st.sampled_from(ids).map(
        lambda i: f"\r\x1b\x15{i}\r\x1bD\x1b\x15{i}\r\x1b\x15{i}\rD{i}\r".encode()
    )


def pastes(ids: list[str]) -> st.SearchStrategy[bytes]:
    text = st.text(
        st.characters(blacklist_characters="0", blacklist_categories=("Cs",)), max_size=30
    ).map(str.encode)
    nested = st.just(b"\n" + PASTE_START)  # a second start marker (on a later line: it has 0s)
    body = st.lists(st.one_of(text, typing, attacks(ids), nested), max_size=5).map(b"".join)
    return st.tuples(body, st.booleans()).map(
        lambda p: PASTE_START + p[0] + (PASTE_END if p[1] else b"")
    )


def writes(ids: list[str]) -> st.SearchStrategy[list[tuple[bytes, float]]]:
    """Bursts (what one read of the terminal returns) and the pause after each."""
    burst = st.lists(st.one_of(typing, pastes(ids)), min_size=1, max_size=4).map(b"".join)
    return st.lists(st.tuples(burst, st.sampled_from([0.0, 0.05, 0.3])), min_size=3, max_size=8)


def contents(db: Path) -> tuple[set[int], set[int]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        orders = {row[0] for row in conn.execute("SELECT id FROM orders")}
        licenses = {row[0] for row in conn.execute("SELECT id FROM licenses")}
    return orders, licenses


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("random-input") / "demo.db"
    build_demo(path, 20)
    return path


def test_random_terminal_input_never_ends_the_session_or_deletes(template: Path) -> None:
    ids = order_ids(template)
    assert all("0" in i for i in ids)  # see the module docstring

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(stream=writes(ids))
    def check(stream: list[tuple[bytes, float]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "demo.db"
            shutil.copy(template, db)
            before = contents(db)
            app = PtyApp(db, Path(folder))
            try:
                app.wait_for(lambda text: "Order ID" in text, "the orders list")
                app.wait_quiet(0.3)
                for data, pause in stream:
                    app.send(data)
                    time.sleep(pause)
                time.sleep(PASTE_IDLE + 0.3)  # a paste left open has ended
                app.wait_quiet(0.5)
                assert app.alive, app.tail()
                drawn = len(app.raw)
                app.send(b"\x0c")  # ctrl+l: it still answers (a full repaint)
                deadline = time.monotonic() + 15
                while len(app.raw) == drawn and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert len(app.raw) > drawn, f"no answer to ctrl+l:\n{app.text()}"
                assert app.alive, app.tail()
            finally:
                app.close()
            orders, licenses = contents(db)
            assert before[0] <= orders, f"orders deleted: {sorted(before[0] - orders)}"
            assert before[1] <= licenses, f"{len(before[1] - licenses)} licenses deleted"

    check()
