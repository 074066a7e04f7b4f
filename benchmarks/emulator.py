"""A pyte screen that behaves like xterm/VTE where pyte does not, for bandwidth measurements
and the shadow-screen equivalence test.

pyte leaves the other half of a wide character in place when one half is overwritten; xterm
and VTE blank it. We follow the real terminals, so both the app's full stream and the filtered
stream are judged by what an operator would actually see.
"""

from __future__ import annotations

import pyte
from wcwidth import wcwidth


class XtermScreen(pyte.Screen):
    def draw(self, data: str) -> None:
        for char in data:
            width = wcwidth(char)
            if width > 0:
                x = self.cursor.x
                if x >= self.columns:
                    x = self.columns - width
                line = self.buffer[self.cursor.y]
                if 0 < x < self.columns and line[x].data == "":
                    line[x - 1] = line[x - 1]._replace(data=" ")
                if x >= 0 and x + width < self.columns and line[x + width].data == "":
                    line[x + width] = line[x + width]._replace(data=" ")
            super().draw(char)


def snapshot(screen: pyte.Screen) -> list[list[tuple]]:
    """Every cell as (char, fg, bg, bold, italics, underscore, strikethrough, reverse, blink)."""
    return [
        [tuple(screen.buffer[y][x]) for x in range(screen.columns)] for y in range(screen.lines)
    ]


def changed_cells(before: list[list[tuple]], after: list[list[tuple]]) -> int:
    return sum(
        a != b
        for row_a, row_b in zip(before, after, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
    )
