"""A paste is text, never keys, and bytes that are not UTF-8 never end a session: the real app
in a pseudo-terminal, fed the bytes a terminal sends (widgets/session_driver.py).

The attack: a web page puts ``ESC`` followed by keys on the clipboard; the operator pastes it
into the search box. Textual 8.2.8's parser ended the paste at the ESC and delivered the rest
as keys: the paste opened the order, opened Delete, typed the Order ID and pressed enter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.pty_terminal import build_demo
from tests.pty_support import PtyApp, counts, order_ids, paste

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    build_demo(path, 20)
    return path


def start(demo: Path, tmp_path: Path) -> PtyApp:
    app = PtyApp(demo, tmp_path)
    app.wait_for(lambda text: "Order ID" in text and "Search" in text, "the orders list")
    app.wait_quiet()
    return app


@pytest.mark.parametrize("where", ["search box", "order screen"])
def test_a_paste_holding_escape_and_keys_deletes_nothing(
    demo: Path, tmp_path: Path, where: str
) -> None:
    before = counts(demo)
    target = order_ids(demo)[4]
    # Each ESC-led run stays under the parser's 32-character limit: clear the box and open
    # the order; Delete; clear the dialog's box, type the Order ID and confirm.
    open_it, delete_it = f"\x1b\x15{target}\r", f"\x1bD\x1b\x15{target}\r"
    app = start(demo, tmp_path)
    try:
        if where == "search box":
            app.send(paste(f"x{open_it}{delete_it}"))
            screen = app.wait_for(lambda text: f"x␛␕{target}" in text, "the paste as text")
        else:
            app.send(b"\x15" + target.encode() + b"\r")
            app.wait_for(lambda text: "Delete" in text and "Search" not in text, "the order screen")
            app.wait_quiet()
            app.send(paste(delete_it))
        app.wait_quiet(1.5)
        assert app.alive
        screen = app.text()
    finally:
        app.close()
    assert counts(demo) == before
    assert target in order_ids(demo)
    assert "Type the Order ID" not in screen  # the Delete dialog never opened


def test_a_pasted_escape_lands_in_the_search_box_as_text(demo: Path, tmp_path: Path) -> None:
    app = start(demo, tmp_path)
    try:
        app.send(paste("ab\x1bq\x1b[201;5~cd\x1b[200~ef\x1b[A\x9bgh"))
        screen = app.wait_for(
            lambda text: "ab␛q␛[201;5~cd␛[200~ef␛[A" in text, "the paste drawn in the search box"
        )
        assert app.alive
    finally:
        app.close()
    assert "Type the Order ID" not in screen


def test_a_paste_without_its_end_marker_ends_and_stays_text(demo: Path, tmp_path: Path) -> None:
    """A cut paste (the end marker never comes): ended after a bounded quiet time, its text in
    the search box; the keys typed after it work again."""
    before = counts(demo)
    target = order_ids(demo)[3]
    app = start(demo, tmp_path)
    try:
        app.send(b"\x1b[200~" + f"zz\x1bq\x1b{target}\rD".encode())
        app.wait_for(lambda text: "zz␛q␛" in text, "the cut paste in the search box")
        app.send(b"\x15" + target.encode() + b"\r")
        app.wait_for(lambda text: "Delete" in text and "Search" not in text, "the order screen")
        assert app.alive
    finally:
        app.close()
    assert counts(demo) == before


def test_a_latin1_byte_typed_into_a_dialog_keeps_the_session(demo: Path, tmp_path: Path) -> None:
    """A Latin-1 terminal sends ``é`` as the single byte 0xE9: decoded with a replacement
    character, the dialog stays open with what was typed."""
    target = order_ids(demo)[2]
    app = start(demo, tmp_path)
    try:
        app.send(b"\x15" + target.encode() + b"\r")
        app.wait_for(lambda text: "Delete" in text and "Search" not in text, "the order screen")
        app.wait_quiet()
        app.send(b"e")
        app.wait_for(lambda text: "Edit order" in text, "the Edit order dialog")
        app.wait_quiet()
        app.send(b"\x15caf\xe9 ok")
        screen = app.wait_for(lambda text: "caf\ufffd ok" in text, "the typed text")
        assert app.alive
        assert "Edit order" in screen
    finally:
        app.close()
