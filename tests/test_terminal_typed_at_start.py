"""Keys typed before the app has set up its terminal work as typed.

Until Textual makes the terminal raw, the pseudo-terminal is still in cooked mode: the line
discipline turns the enter an operator types (CR) into a line feed, which Textual would read as
``ctrl+j``. An Order ID and enter typed the moment the app is started must open the order, as
they do once the app is up."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from benchmarks.pty_terminal import Terminal, build_db

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("typed-at-start") / "demo.db"
    return path, build_db(path)


def screen_until(term: Terminal, *shown: str, limit: float = 30.0) -> str:
    """The screen's text once all of ``shown`` is on it (or, after ``limit`` seconds, as it
    is)."""
    deadline = time.monotonic() + limit
    while True:
        term.take()
        text = "\n".join(term.screen.display)
        if all(s in text for s in shown) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_order_id_and_enter_typed_at_start_open_the_order(demo: tuple[Path, str]) -> None:
    db, store_id = demo
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester")
    term = Terminal([sys.executable, "-m", "orderview", "--db", str(db)], env)
    try:
        term.send(store_id + "\r")  # at once: the app has not touched its terminal yet
        text = screen_until(term, "Licenses", store_id)
        assert "Licenses" in text, text  # the order's screen, with its tabs
        assert "matches" not in text, text  # not the orders list with the search typed
        assert store_id in text
    finally:
        term.close()


def test_a_search_typed_the_moment_the_list_shows_opens_the_order(demo: tuple[Path, str]) -> None:
    db, store_id = demo
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", ORDERVIEW_OPERATOR="tester")
    term = Terminal([sys.executable, "-m", "orderview", "--db", str(db)], env)
    try:
        screen_until(term, "newest 50 orders")
        term.send(store_id.lower() + "\r")
        text = screen_until(term, "Licenses", store_id)
        assert "Licenses" in text and store_id in text, text
        assert "matches" not in text, text
    finally:
        term.close()
