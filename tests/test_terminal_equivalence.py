"""Property: the shadow screen's minimal stream leaves the terminal exactly as the full stream.

Random frames shaped like Textual's output (absolute moves, styled segments with resets, line
feeds between rows) mixed with things the filter does not model (erases, relative moves,
links, mode changes), with wide CJK characters, emoji, combining marks and 16/256/truecolor
colours, at random positions (so wide characters get split), fed in random chunks. After every
frame the emulated screen fed the filtered stream must equal, cell for cell (character and
every attribute) and cursor position, the screen fed the app's full stream.
"""

from __future__ import annotations

import pyte
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from benchmarks.emulator import XtermScreen, snapshot
from orderview.terminal import ShadowScreen

COLS, ROWS = 24, 8

CHARS = "ab xyz_-│━╸▁" + "中文字表" + "😀🎉" + "é"
sgr_param = st.one_of(
    st.sampled_from(
        ["1", "2", "3", "4", "5", "7", "9", "21", "22", "23", "24", "27", "39", "49", "0"]
    ),
    st.integers(30, 37).map(str),
    st.integers(90, 97).map(str),
    st.integers(40, 47).map(str),
    st.integers(100, 107).map(str),
    st.integers(0, 255).map(lambda n: f"38;5;{n}"),
    st.integers(0, 255).map(lambda n: f"48;5;{n}"),
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
        lambda c: f"38;2;{c[0]};{c[1]};{c[2]}"
    ),
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
        lambda c: f"48;2;{c[0]};{c[1]};{c[2]}"
    ),
)
sgr = st.lists(sgr_param, min_size=0, max_size=4).map(lambda ps: f"\x1b[{';'.join(ps)}m")
text = st.lists(st.sampled_from([*CHARS, "e\u0301", " " * 9]), min_size=1, max_size=12).map("".join)


@st.composite
def segment_run(draw: st.DrawFn) -> str:
    """A Textual-like strip: move, then styled segments each ending in a reset (mostly)."""
    x = draw(st.integers(0, COLS - 1))
    y = draw(st.integers(0, ROWS - 1))
    parts = [f"\x1b[{y + 1};{x + 1}H"]
    room = COLS - x
    for _ in range(draw(st.integers(1, 4))):
        piece = draw(text)
        fitted = ""
        for ch in piece:
            if wcswidth(fitted + ch) > room:
                break
            fitted += ch
        if not fitted:
            break
        room -= wcswidth(fitted)
        link = draw(st.sampled_from(["", "", "", "\x1b]8;id=1;https://example.com\x1b\\"]))
        close = "\x1b]8;;\x1b\\" if link else ""
        reset = draw(st.sampled_from(["\x1b[0m", "\x1b[0m", ""]))
        parts.append(f"{link}{draw(sgr)}{fitted}{reset}{close}")
    if y < ROWS - 1 and draw(st.booleans()):
        parts.append("\n")  # Textual puts a line feed between rows, then moves absolutely
    return "".join(parts)


oddity = st.sampled_from(
    [
        "\x1b[2K",
        "\x1b[J",
        "\x1b[3C",
        "\x1b[2D",
        "\x1b[A",
        "\x1b[B",
        "\x1b[5G",
        "\x1b[4d",
        "\x1b[?25l",
        "\x1b[?25h",
        "\x1b[?1003h",
        "\x1b[?2026h",
        "\x1b[?2026l",
        "\x07",
        "\r",
        "\x1b[s",
        "\x1b[u",
        "\x1b7",
        "\x1b8",
        "\t",
        "\x1b[2;3r",
        "\x1b[H",
        "zz",
    ]
)
frame = st.lists(
    st.one_of(segment_run(), segment_run(), segment_run(), oddity), min_size=1, max_size=8
).map("".join)


def fresh() -> tuple[XtermScreen, pyte.Stream]:
    screen = XtermScreen(COLS, ROWS)
    screen.reset_mode(7, private=True)  # no autowrap: Textual sends ?7l
    return screen, pyte.Stream(screen)


def chunks(data: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


def assert_same(full: XtermScreen, minimal: XtermScreen) -> None:
    assert snapshot(minimal) == snapshot(full)
    assert minimal.cursor.hidden == full.cursor.hidden
    if not full.cursor.hidden:  # a hidden cursor is put in place before it is shown again
        assert (minimal.cursor.x, minimal.cursor.y) == (full.cursor.x, full.cursor.y)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.lists(frame, min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 10_000), max_size=4),
    erase=st.booleans(),
)
def test_filtered_stream_shows_the_same_screen(
    frames: list[str], cuts: list[int], erase: bool
) -> None:
    full, full_stream = fresh()
    minimal, minimal_stream = fresh()
    shadow = ShadowScreen(COLS, ROWS, mouse_motion=True, erase=erase)
    for data in frames:
        full_stream.feed(data)
        out = "".join(shadow.feed(piece) for piece in chunks(data, cuts)) + shadow.flush()
        minimal_stream.feed(out)
        assert_same(full, minimal)


@settings(max_examples=40, deadline=None)
@given(
    frames=st.lists(
        st.lists(segment_run(), min_size=1, max_size=8).map("".join), min_size=1, max_size=6
    )
)
def test_repaint_restores_a_scrambled_terminal(frames: list[str]) -> None:
    """ctrl+l: whatever garbage the terminal shows, repaint() brings back the app's screen."""
    full, full_stream = fresh()
    minimal, minimal_stream = fresh()
    shadow = ShadowScreen(COLS, ROWS, mouse_motion=True)
    for data in frames:
        data += "\x1b[3;4H"  # Textual ends every frame by placing the cursor
        full_stream.feed(data)
        minimal_stream.feed(shadow.feed(data) + shadow.flush())
    minimal_stream.feed("\x1b[H\x1b[41mGARBAGE 中\x1b[5;5H\x1b[7mmore")  # out of step
    minimal_stream.feed(shadow.repaint())
    for y in range(ROWS):  # cells the app never wrote stay blank after the clear
        for x in range(COLS):
            if shadow._want_c[y][x] is None:
                full.buffer[y][x] = full.default_char
    assert_same(full, minimal)


@settings(max_examples=40, deadline=None)
@given(
    frames=st.lists(
        st.lists(segment_run(), min_size=1, max_size=8).map("".join), min_size=2, max_size=8
    )
)
def test_textual_like_frames_never_need_raw_mode(frames: list[str]) -> None:
    """The app's ordinary output stays modelled, so it is always minimal."""
    shadow = ShadowScreen(COLS, ROWS)
    for data in frames:
        shadow.feed(data)
        shadow.flush()
        assert not shadow._raw
