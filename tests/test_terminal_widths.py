"""The shadow screen's character widths: the ranges answered without wcwidth agree with it."""

from __future__ import annotations

import subprocess
import sys

from orderview.terminal.widths import NARROW, char_width, measured_width


def test_every_narrow_character_is_one_cell_by_wcwidth() -> None:
    for low, high in NARROW:
        for code in range(low, high):
            assert measured_width(chr(code)) == 1, hex(code)
            assert char_width(chr(code)) == 1


def test_other_characters_are_measured_by_wcwidth() -> None:
    samples = ["\u0301", "\u200d", "\ufe0f", "界", "😀", "\u25fd", "\u2028", "\x07", "\u0300"]
    for char in samples:
        assert char_width(char) == measured_width(char), repr(char)
    assert char_width("界") == 2 and char_width("\u0301") == 0 and char_width("\u200d") == -1


def test_the_narrow_characters_need_no_wcwidth() -> None:
    """Drawing boxes, blocks and Latin text does not import wcwidth (start-up)."""
    code = (
        "import sys\n"
        "from orderview.terminal import ShadowScreen\n"
        "from orderview.terminal.widths import char_width\n"
        "assert [char_width(c) for c in 'a·—─▔▎é␛␡'] == [1] * 9\n"
        "print('wcwidth' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
