"""Unit tests of the shadow screen: what it sends, what it holds back, what it passes through."""

from __future__ import annotations

import subprocess
import sys

import pyte

from benchmarks.emulator import XtermScreen, snapshot
from orderview.terminal import ShadowScreen
from orderview.terminal.sgr import DEFAULT, apply_sgr, full_sgr, sgr_delta

ROW = "\x1b[1;1H\x1b[38;5;253;48;5;234mOrder ID  \x1b[0m\x1b[1;38;5;214;48;5;17m q \x1b[0m"


def frame(shadow: ShadowScreen, data: str) -> str:
    return shadow.feed(data) + shadow.flush()


def screen_after(*streams: str, cols: int = 20, rows: int = 4) -> list:
    screen = XtermScreen(cols, rows)
    stream = pyte.Stream(screen)
    for data in streams:
        stream.feed(data)
    return snapshot(screen)


def test_sgr_parsing_keeps_colours_as_written() -> None:
    style = apply_sgr(DEFAULT, "1;38;5;208;48;2;1;2;3")
    assert style[:3] == ("38;5;208", "48;2;1;2;3", 1)
    assert apply_sgr(style, "0") == DEFAULT
    assert apply_sgr(style, "22;39")[:3] == (None, "48;2;1;2;3", 0)
    assert apply_sgr(DEFAULT, "31;101")[:2] == ("31", "101")  # 16 colours stay 16 colours


def test_sgr_delta_is_the_shorter_of_delta_and_reset() -> None:
    bold_red = apply_sgr(DEFAULT, "1;31")
    red = apply_sgr(DEFAULT, "31")
    assert sgr_delta(bold_red, red) == "\x1b[22m"
    assert sgr_delta(red, DEFAULT) == "\x1b[m"  # shorter than \x1b[39m
    assert sgr_delta(red, red) == ""
    assert sgr_delta(None, red).endswith(full_sgr(red))  # unknown pen: full style


def test_unchanged_repaint_sends_nothing() -> None:
    shadow = ShadowScreen(20, 4)
    first = frame(shadow, ROW)
    assert "Order ID" in first
    assert frame(shadow, ROW) == ""  # Textual re-sending the same region costs 0 bytes
    assert shadow.flush() == ""  # an idle frame costs 0 bytes


def test_one_changed_cell_sends_one_cell() -> None:
    shadow = ShadowScreen(20, 4)
    frame(shadow, "\x1b[?25l" + ROW)  # Textual hides the cursor
    out = frame(shadow, ROW.replace("Order ID", "Order IX"))
    assert out.count("X") == 1 and "Order" not in out
    assert out == "\x1b[6D\x1b[0;38;5;253;48;5;234mX"  # move back, set the style, one cell
    assert screen_after(ROW, out) == screen_after(ROW.replace("Order ID", "Order IX"))


def test_synchronized_update_markers_only_around_real_output() -> None:
    shadow = ShadowScreen(20, 4)
    frame(shadow, ROW)
    assert frame(shadow, f"\x1b[?2026h{ROW}\x1b[?2026l") == ""
    out = frame(shadow, f"\x1b[?2026h{ROW.replace('q', 'Q')}\x1b[?2026l")
    assert out.startswith("\x1b[?2026h") and out.endswith("\x1b[?2026l") and "Q" in out


def test_any_motion_mouse_tracking_becomes_button_tracking() -> None:
    assert "1002h" in frame(ShadowScreen(20, 4), "\x1b[?1003h")
    assert "1003" not in frame(ShadowScreen(20, 4), "\x1b[?1000h\x1b[?1003h\x1b[?1003l")
    assert "1003h" in frame(ShadowScreen(20, 4, mouse_motion=True), "\x1b[?1003h")


def test_other_sequences_pass_through_in_order() -> None:
    shadow = ShadowScreen(20, 4)
    out = frame(shadow, "\x1b[1;1Hab\x1b]0;title\x07\x1b[1;3Hcd\x1b[?2004h\x07")
    assert out.index("ab") < out.index("\x1b]0;title\x07") < out.index("cd")
    assert out.index("cd") < out.index("\x1b[?2004h") < out.rindex("\x07")


def test_escape_split_across_writes() -> None:
    shadow = ShadowScreen(20, 4)
    out = shadow.feed("\x1b[1;1H\x1b[3") + shadow.feed("1mred\x1b") + shadow.feed("[0m")
    out += shadow.flush()
    assert not shadow._raw
    assert screen_after(out) == screen_after("\x1b[1;1H\x1b[31mred\x1b[0m")


def test_wide_characters_and_their_halves() -> None:
    shadow = ShadowScreen(20, 4)
    first = "\x1b[1;1H中文字\x1b[0m"
    second = "\x1b[1;2Hab"  # overwrites the right half of 中 and the left half of 文
    out = frame(shadow, first) + frame(shadow, second)
    assert screen_after(out) == screen_after(first, second)


def test_unknown_sequences_go_raw_and_modelling_resumes() -> None:
    shadow = ShadowScreen(20, 4)
    out = frame(shadow, "\x1b[1;1Habc\x1b[2Kxyz")  # erase line: not modelled
    assert shadow._raw
    out += frame(shadow, "\x1b[2;1Hdef")  # absolute move: modelled again
    assert not shadow._raw
    assert screen_after(out) == screen_after("\x1b[1;1Habc\x1b[2Kxyz", "\x1b[2;1Hdef")
    assert frame(shadow, "\x1b[2;1Hdef") == ""


def test_resize_forgets_the_terminal() -> None:
    shadow = ShadowScreen(20, 4)
    frame(shadow, ROW)
    shadow.resize(30, 5)
    assert "Order ID" in frame(shadow, ROW)


def test_repaint_clears_and_sends_everything() -> None:
    shadow = ShadowScreen(20, 4)
    frame(shadow, ROW)
    out = shadow.repaint()
    assert "\x1b[2J" in out and "Order ID" in out
    assert screen_after("\x1b[5mjunk", out) == screen_after(ROW)
    assert frame(shadow, ROW) == ""


def test_blank_runs_are_erased_not_spelled_out() -> None:
    shadow = ShadowScreen(80, 2)
    first = "\x1b[1;1H\x1b[48;5;234m" + "x" * 80 + "\x1b[2;1H"
    second = "\x1b[1;1H\x1b[48;5;234m" + " " * 80 + "\x1b[2;1H"
    sent = frame(shadow, first)
    out = frame(shadow, second)
    assert len(out) < 16 and "\x1b[K" in out
    assert screen_after(sent, out, cols=80, rows=2) == screen_after(first, second, cols=80, rows=2)


def test_terminal_package_does_not_import_textual_or_rich() -> None:
    code = (
        "import sys, orderview.terminal, orderview.terminal.shadow;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_background_colour_erase_blanks_are_spelled_out() -> None:
    shadow = ShadowScreen(80, 2, erase=False)  # e.g. TERM=screen-256color: no terminfo bce
    frame(shadow, "\x1b[1;1H\x1b[48;5;234m" + "x" * 80 + "\x1b[2;1H")
    out = frame(shadow, "\x1b[1;1H\x1b[48;5;234m" + " " * 80 + "\x1b[2;1H")
    assert "\x1b[K" not in out and "X" not in out and out.count(" ") == 80
