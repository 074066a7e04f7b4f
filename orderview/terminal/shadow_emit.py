"""The shadow screen's emitter: the cheapest bytes that bring the terminal to ``want``.

Cursor moves, SGR deltas, erase runs and gap fills; the grids live in ``shadow_model.py``.
"""

from __future__ import annotations

from typing import cast

from orderview.terminal.sgr import Style, sgr_delta
from orderview.terminal.shadow_model import ShadowModel, put_char


class ShadowEmitter(ShadowModel):
    """Send every cell where ``want`` differs from ``shown``, with minimal cursor and pen moves."""

    def _sync_cursor(self) -> None:
        """Put the terminal's cursor where the app's cursor is."""
        lfs = ""
        x, y = self._x, self._y
        if self._lf_from is not None:
            x, y, lfs = self._lf_from
            self._lf_from = None
        if x is None or y is None:
            return  # already in step (the sequence that made it unknown went through)
        if x >= self.width:  # pending wrap: rewrite the last cell so the terminal is there too
            last = self.width - 1
            if self._want_c[y][last] == "" and last > 0:  # a wide character ends the row
                last -= 1
            ch, style = self._want_c[y][last], self._want_s[y][last]
            if ch and style is not None:
                self._goto(last, y)
                self._set_pen(style)
                self._out.append(ch)
                self._tx = self._ty = None
        elif (self._tx, self._ty) != (x, y):
            self._goto(x, y)
        if lfs:
            self._out.append(lfs)
            self._tx = self._ty = None

    def _sync_cursor_at_end(self) -> None:
        if self._cursor_visible and (self._lf_from is not None or self._x is not None):
            self._sync_cursor()

    # --------------------------------------------------------------- output

    def _set_pen(self, style: Style) -> None:
        if style != self._tpen:
            self._out.append(sgr_delta(self._tpen, style))
            self._tpen = style

    def _goto(self, x: int, y: int) -> None:
        tx, ty = self._tx, self._ty
        if tx == x and ty == y:
            return
        best = f"\x1b[{y + 1};{x + 1}H" if x else (f"\x1b[{y + 1}H" if y else "\x1b[H")
        if tx is not None and ty is not None:
            if ty == y:
                vertical = ""
            elif y > ty:
                vertical = "\x1b[B" if y - ty == 1 else f"\x1b[{y - ty}B"
            else:
                vertical = "\x1b[A" if ty - y == 1 else f"\x1b[{ty - y}A"
            dx = x - tx
            if dx == 0:
                horizontal = ""
            elif dx > 0:
                horizontal = "\x1b[C" if dx == 1 else f"\x1b[{dx}C"
            else:
                horizontal = "\x1b[D" if dx == -1 else f"\x1b[{-dx}D"
                if x == 0:
                    horizontal = "\r"
            for candidate in (
                vertical + horizontal,
                vertical + "\r" + ("" if x == 0 else "\x1b[C" if x == 1 else f"\x1b[{x}C"),
                vertical + f"\x1b[{x + 1}G",
            ):
                if len(candidate) < len(best):
                    best = candidate
        self._out.append(best)
        self._tx, self._ty = x, y

    def _emit_changes(self) -> None:
        """Send every cell where the app's screen differs from the terminal's."""
        dirty = self._dirty
        if not dirty:
            return
        self._dirty = {}
        width = self.width
        out = self._out
        want_c, want_s, shown_c, shown_s = self._want_c, self._want_s, self._shown_c, self._shown_s
        cells = 0
        for y in sorted(dirty):
            lo, hi = dirty[y]
            wc, ws, sc, ss = want_c[y], want_s[y], shown_c[y], shown_s[y]
            if lo > 0 and wc[lo] == "":
                lo -= 1
            if wc[lo:hi] == sc[lo:hi] and ws[lo:hi] == ss[lo:hi]:
                continue
            x = lo
            while x < hi:
                ch = wc[x]
                if ch == sc[x] and ws[x] == ss[x]:
                    x += 1
                    continue
                if ch is None:
                    x += 1
                    continue
                if ch == "":  # the right half of a wide character: send the character
                    x -= 1
                    ch = wc[x]
                    if not ch:
                        x += 2
                        continue
                style = ws[x]
                assert style is not None  # a cell with a character has its style
                # Erase a run of blanks, unless the terminal may hold a wide character across
                # either edge of the run (terminals disagree on erasing half of one; writing
                # a blank over it is unambiguous): then the edge cell is written normally.
                if (
                    ch == " "
                    and self.erase
                    and not style[2]
                    and not style[3]
                    and style[4] is None
                    and not (x and (sc[x - 1] is None or sc[x] == ""))
                ):
                    end = x + 1
                    while end < width and wc[end] == " " and ws[end] == style:
                        end += 1
                    if end < width and (sc[end - 1] is None or sc[end] == ""):
                        end -= 1
                    if end - x >= (4 if end == width else 8):
                        self._erase(y, x, end, style)
                        cells += end - x
                        x = end
                        continue
                w = 2 if x + 1 < width and wc[x + 1] == "" else 1
                tx = self._tx
                if self._ty == y and tx is not None and 0 < x - tx <= 3:
                    self._fill_gap(y, tx, x)
                self._goto(x, y)
                if style != self._tpen:
                    out.append(sgr_delta(self._tpen, style))
                    self._tpen = style
                out.append(ch)
                put_char(sc, ss, x, ch, w, style, width)
                cells += 1
                x += w
                self._tx = x if x < width else None
        self.stats_cells += cells

    def _erase(self, y: int, start: int, end: int, style: Style) -> None:
        """Blank a run of plain spaces with ECH, or EL when it reaches the row's end.

        Only for styles without attributes: erased cells take the pen's colours in every
        terminal (xterm's background-colour erase), but not its underline or reverse.
        The cursor does not move.
        """
        self._goto(start, y)
        self._set_pen(style)
        n = end - start
        self._out.append("\x1b[K" if end == self.width else f"\x1b[{n}X")
        sc, ss = self._shown_c[y], self._shown_s[y]
        if start > 0 and sc[start] == "":  # half a wide character was erased: unsure what stays
            sc[start - 1] = ss[start - 1] = None
        if end < self.width and sc[end] == "":
            sc[end] = ss[end] = None
        sc[start:end] = [" "] * n
        ss[start:end] = [style] * n

    def _fill_gap(self, y: int, start: int, end: int) -> None:
        """Rewrite a few unchanged cells instead of moving over them, when that is shorter."""
        n = end - start
        if n >= (3 if n == 1 else 4):
            return
        sc, ss, wc = self._shown_c[y], self._shown_s[y], self._want_c[y]
        pen = self._tpen
        for gx in range(start, end):
            ch = sc[gx]
            if ch is None or ch != wc[gx] or ss[gx] != pen or len(ch) != 1 or ord(ch) > 126:
                return
            if gx + 1 < self.width and sc[gx + 1] == "":
                return
        self._out.append("".join(cast("list[str]", sc[start:end])))  # all checked above
        self._tx = end
