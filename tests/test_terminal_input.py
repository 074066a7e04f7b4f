"""The input thread's decoding, byte by byte, without a terminal: pastes framed whole
(``orderview/terminal/paste.py``) and the bytes turned into Textual events
(``widgets/session_driver.py::TerminalInput``). The pty tests (test_terminal_paste.py,
test_terminal_random_input.py) run the same path in the real app."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from orderview.widgets.session_driver import DECODE_WAIT, TerminalInput
from textual import events

from orderview.terminal.paste import END, KEYS, KEYS_DUE, PASTE, START, PasteFramer

HOLD = 0.1
# Characters that make markers and sequences (and cut ones) likely.
ALPHABET = st.sampled_from(["\x1b", "[", "2", "0", "1", "~", "a", "D", "\r", "\x00", "é", ";"])
outside = st.text(ALPHABET, max_size=20).filter(lambda t: START not in t)
content = st.text(ALPHABET, max_size=40).filter(lambda t: END not in t)


def run(framer: PasteFramer, chunks: list[str]) -> list[tuple[str, str]]:
    """Feed ``chunks`` (each read at once, quickly), then let time pass."""
    pieces = []
    for chunk in chunks:
        pieces += framer.feed(chunk, 0.0)
    return pieces + framer.poll(1_000.0)


def cut(stream: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(stream) + 1) for c in cuts})
    return [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.tuples(outside, content), max_size=4),
    tail=outside,
    cuts=st.lists(st.integers(0, 400), max_size=8),
)
def test_every_paste_comes_out_whole_whatever_it_holds_and_however_the_reads_cut_it(
    parts: list[tuple[str, str]], tail: str, cuts: list[int]
) -> None:
    stream = "".join(o + START + c + END for o, c in parts) + tail
    pieces = run(PasteFramer(HOLD), cut(stream, cuts))
    assert [text for kind, text in pieces if kind == PASTE] == [c for _, c in parts if c]
    keys = "".join(text for kind, text in pieces if kind in (KEYS, KEYS_DUE))
    assert keys == "".join(o for o, _ in parts) + tail  # nothing of a paste reaches the keys


def test_a_paste_without_its_end_marker_ends_after_the_idle_time() -> None:
    framer = PasteFramer(HOLD, idle=2.0)
    assert framer.feed(START + "abc\x1bD\x1b[201", 10.0) == []
    assert framer.poll(11.9) == []
    assert framer.deadline() == 12.0
    assert framer.poll(12.0) == [(PASTE, "abc\x1bD\x1b[201")]
    assert framer.feed("x", 12.1) == [(KEYS, "x")]  # typed keys again


def test_a_paste_longer_than_the_bound_is_cut_and_its_rest_dropped() -> None:
    framer = PasteFramer(HOLD, max_paste=5)
    pieces = framer.feed(START + "12345\x1bDELETE", 0.0) + framer.feed("more\r" + END + "k", 0.0)
    assert pieces == [(PASTE, "12345"), (KEYS, "k")]


def test_a_second_start_marker_inside_a_paste_is_text() -> None:
    framer = PasteFramer(HOLD)
    assert framer.feed(START + "a" + START + "b" + END, 0.0) == [(PASTE, "a" + START + "b")]


def test_bytes_that_may_begin_a_paste_wait_at_most_the_escape_delay() -> None:
    framer = PasteFramer(HOLD)
    assert framer.feed("x\x1b[20", 5.0) == [(KEYS, "x")]
    assert framer.deadline() == 5.0 + HOLD
    assert framer.poll(5.0 + HOLD / 2) == []
    assert framer.poll(5.0 + HOLD) == [(KEYS_DUE, "\x1b[20")]


def kinds(messages: list[object]) -> list[str]:
    return [m.key if isinstance(m, events.Key) else type(m).__name__ for m in messages]


def test_the_attack_paste_is_one_paste_event_and_no_key() -> None:
    terminal = TerminalInput()
    attack = "x\x1b\x15ORD-1\r\x1bD\x1b\x15ORD-1\r\x1b[A\x00y"
    messages = terminal.feed(f"{START}{attack}{END}".encode(), 0.0)
    assert kinds(messages) == ["Paste"]
    assert messages[0].text == attack.replace("\x00", "")


def test_keys_around_a_paste_keep_their_order() -> None:
    terminal = TerminalInput()
    messages = terminal.feed(f"a\x1b{START}pasted{END}b".encode(), 0.0)
    assert kinds(messages) == ["a", "escape", "Paste", "b"]


def test_a_start_marker_cut_across_reads_still_starts_a_paste() -> None:
    terminal = TerminalInput()
    assert terminal.feed(b"\x1b[2", 0.0) == []
    messages = terminal.feed(b"00~\x1bq\x1b[201~", 0.01)
    assert kinds(messages) == ["Paste"]
    assert messages[0].text == "\x1bq"


def test_a_lone_escape_is_the_escape_key_after_the_escape_delay() -> None:
    terminal = TerminalInput()
    assert terminal.feed(b"\x1b", 0.0) == []
    assert kinds(terminal.poll(1.0)) == ["escape"]


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    terminal = TerminalInput()
    messages = terminal.feed(b"caf\xe9 \xff\xc3\xa9", 0.0)
    assert [m.character for m in messages] == ["c", "a", "f", "\ufffd", " ", "\ufffd", "é"]
    assert terminal.feed(b"x\xe9", 1.0)[0].character == "x"  # \xe9 may begin a character
    assert terminal.poll(1.0 + DECODE_WAIT / 2) == []
    [late] = terminal.poll(1.0 + DECODE_WAIT)
    assert late.character == "\ufffd"
    assert [m.character for m in terminal.feed("ü".encode(), 2.0)] == ["ü"]  # decoding goes on
