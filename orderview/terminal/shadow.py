"""A shadow screen: send the terminal only the cells that changed.

Textual repaints whole regions (a tab switch re-sends most of the screen, each styled segment
with its full SGR and a reset). Over a slow SSH link every byte is time, so this filter sits
between the app and the terminal:

* it parses the stream the app writes (cursor positioning, SGR, OSC 8 links, text including
  wide characters and combining marks) into ``want``: the screen as the app means it;
* it keeps ``shown``: what the real terminal displays, as far as it knows (``None`` = unknown);
* at the end of a frame (``flush()``, which Textual calls after every frame) it emits only the
  cells where ``want`` differs from ``shown``, with the cheapest cursor moves and SGR deltas.

Every other control sequence is passed through unchanged and in order; before one that depends
on the cursor or the pen, both are brought in step with where the app left them. Anything the
model does not understand (erase, scroll, tabs, unknown escapes, text where the cursor is not
known) switches to *raw mode*: bytes pass through untouched, the model forgets the screen, and
modelling resumes at the next absolute cursor position. Raw mode is always correct, only not
minimal; the app's ordinary output never needs it.

Pure Python, no Textual or Rich: the driver glue lives in ``widgets/shadow_driver.py``.
"""

from __future__ import annotations

import re
from typing import cast

from orderview.terminal.sgr import DEFAULT, Style, apply_sgr, sgr_delta, with_link
from orderview.terminal.widths import char_width

SYNC_START = "\x1b[?2026h"
SYNC_END = "\x1b[?2026l"

_TOKEN = re.compile(
    r"(?P<text>[^\x00-\x1f\x7f-\x9f]+)"
    r"|\x1b\[(?P<p>[0-?]*)(?P<i>[ -/]*)(?P<f>[@-~])"
    r"|\x1b\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\)"
    r"|\x1b(?P<esc>[ -/]*[0-Z\\^-~])"
    r"|(?P<ctl>[\x00-\x1f\x7f-\x9f])"
)
_COMPLETE_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-Z\\^-~])"
)

# Private modes that switch or clear the screen, or change how positions are interpreted.
_SCREEN_MODES = frozenset({"1049", "1047", "47", "3", "6", "69"})
# Private modes before which the cursor and pen must be where the app left them.
_CURSOR_MODES = frozenset({"25", "1048"}) | _SCREEN_MODES
# CSI finals (no private marker, no intermediates) that only report or save: pass through.
_SAFE_CSI = frozenset("nctsq")


class ShadowScreen:
    """Filter a terminal output stream down to the minimal update of the terminal's screen.

    ``feed(data)`` takes what the app writes and returns what must go out now (usually "",
    output is held until the frame ends); ``flush()`` ends a frame and returns its update.
    """

    def __init__(
        self, width: int, height: int, *, mouse_motion: bool = False, erase: bool = True
    ) -> None:
        """``erase``: the terminal erases with the current background colour (terminfo
        ``bce``), so runs of blanks may be sent as ECH/EL; otherwise they are spelled out."""
        self.mouse_motion = mouse_motion
        self.erase = erase
        self._held = ""
        self._out: list[str] = []
        self._pen: Style = DEFAULT  # the app's pen
        self._x: int | None = 0  # the app's cursor; None: unknown
        self._y: int | None = 0
        self._lf_from: tuple[int, int, str] | None = None  # (x, y, "\n"*k) not yet resolved
        self._cursor_visible = True
        self._raw = False
        self._pen_known = True  # False after a cursor restore (it may restore a saved pen)
        self._region = False  # a scroll region is set: we stay raw
        self._sync_frame = False  # the app wrapped this frame in synchronized-update markers
        self._sync_open = False  # we have sent SYNC_START for this frame
        self.stats_frames = 0
        self.stats_cells = 0
        self._setup(width, height)

    # ----------------------------------------------------------------- state

    def _setup(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._want_c: list[list[str | None]] = [[None] * width for _ in range(height)]
        self._want_s: list[list[Style | None]] = [[None] * width for _ in range(height)]
        self._forget_terminal()

    def _forget_terminal(self) -> None:
        """The terminal's contents, cursor and pen become unknown."""
        w, h = self.width, self.height
        self._shown_c: list[list[str | None]] = [[None] * w for _ in range(h)]
        self._shown_s: list[list[Style | None]] = [[None] * w for _ in range(h)]
        self._tx: int | None = None
        self._ty: int | None = None
        self._tpen: Style | None = None
        self._dirty: dict[int, list[int]] = {}

    def _forget_all(self) -> None:
        """Forget the app's screen too (after output we pass through unmodelled)."""
        w, h = self.width, self.height
        self._want_c = [[None] * w for _ in range(h)]
        self._want_s = [[None] * w for _ in range(h)]
        tx, ty, tpen = self._tx, self._ty, self._tpen
        self._forget_terminal()
        self._tx, self._ty, self._tpen = tx, ty, tpen

    def resize(self, width: int, height: int) -> None:
        """The terminal changed size: forget everything; the app repaints in full."""
        if (width, height) == (self.width, self.height):
            return
        self._setup(width, height)
        self._x = self._y = None
        self._lf_from = None

    def repaint(self) -> str:
        """Clear the terminal and send the whole screen as the app means it (ctrl+l)."""
        self._emit_changes()
        out = self._take()
        self._forget_terminal()
        self._tpen = DEFAULT
        self._tx = self._ty = 0
        w = self.width
        shown_c, shown_s = self._shown_c, self._shown_s
        for y in range(self.height):
            # After the clear the terminal shows default blanks: send every other cell.
            shown_c[y] = [" "] * w
            shown_s[y] = [DEFAULT] * w
            self._dirty[y] = [0, w]
        self._out.append("\x1b]8;;\x1b\\\x1b[m\x1b[H\x1b[2J")
        self._emit_changes()
        self._sync_cursor_at_end()
        return out + self._take()

    # ------------------------------------------------------------------ input

    def feed(self, data: str) -> str:
        """Parse app output; return what must be written now (pass-through order)."""
        if self._held:
            data = self._held + data
            self._held = ""
        esc = data.rfind("\x1b")
        if esc != -1 and not _COMPLETE_ESCAPE.match(data, esc):
            tail = data[esc:]
            if len(tail) < 4096:  # an escape split across writes: wait for the rest
                self._held = tail
                data = data[:esc]
        for match in _TOKEN.finditer(data):
            kind = match.lastgroup
            if kind == "text":
                self._text(match.group("text"))
            elif kind in ("p", "i", "f"):
                self._csi(match.group("p"), match.group("i"), match.group("f"), match.group())
            elif kind == "osc":
                self._osc(match.group("osc"), match.group())
            elif kind == "esc":
                self._esc(match.group("esc"), match.group())
            else:
                self._ctl(match.group())
        return self._take() if self._out else ""

    def flush(self) -> str:
        """End of frame: the minimal update of the terminal, or "" if nothing changed."""
        if not self._raw:
            self._emit_changes()
            self._sync_cursor_at_end()
        self.stats_frames += 1
        out = self._take()
        if self._sync_open:
            out += SYNC_END
            self._sync_open = False
        self._sync_frame = False
        return out

    def _take(self) -> str:
        if not self._out:
            return ""
        text = "".join(self._out)
        self._out.clear()
        if self._sync_frame and not self._sync_open:
            self._sync_open = True
            text = SYNC_START + text
        return text

    # ------------------------------------------------------------ parsing

    def _text(self, text: str) -> None:
        if self._raw:
            self._out.append(text)
            return
        x, y = self._x, self._y
        if x is None or y is None or x >= self.width:
            self._go_raw(text)
            return
        width = self.width
        pen = self._pen
        row_c, row_s = self._want_c[y], self._want_s[y]
        if text.isascii():
            n = len(text)
            end = x + n
            if end > width:  # would run past the right edge: let the terminal decide
                fit = width - x
                self._put_ascii(row_c, row_s, y, x, text[:fit], pen)
                self._x = width
                self._go_raw(text[fit:])
                return
            self._put_ascii(row_c, row_s, y, x, text, pen)
            self._x = end
            return
        for i, ch in enumerate(text):
            w = char_width(ch)
            if w > 0 and x + w <= width:
                lo, hi = _put(row_c, row_s, x, ch, w, pen, width)
                self._mark(y, lo, hi)
                x += w
            elif w == 0 and x > 0 and (joined := row_c[x - 1]):
                row_c[x - 1] = joined + ch  # a combining mark joins the previous cell
                self._mark(y, x - 1, x)
            else:
                self._x = x
                self._go_raw(text[i:])
                return
        self._x = x

    def _put_ascii(self, row_c: list[str | None], row_s: list[Style | None], y: int, x: int,
                   text: str, pen: Style) -> None:
        end = x + len(text)
        if end == x:
            return
        lo, hi = x, end
        if row_c[x] == "" and x > 0:  # overwriting the right half of a wide character
            row_c[x - 1] = " "
            lo = x - 1
        if end < self.width and row_c[end] == "":  # ... or its left half
            row_c[end] = " "
            hi = end + 1
        row_c[x:end] = text
        row_s[x:end] = [pen] * (end - x)
        self._mark(y, lo, hi)

    def _mark(self, y: int, lo: int, hi: int) -> None:
        span = self._dirty.get(y)
        if span is None:
            self._dirty[y] = [lo, hi]
        else:
            if lo < span[0]:
                span[0] = lo
            if hi > span[1]:
                span[1] = hi

    def _csi(self, params: str, inter: str, final: str, seq: str) -> None:
        if self._raw:
            if params[:1] == "?" and final in "hl" and not inter:
                self._private_mode(params[1:], final, seq)  # sync markers, mouse, cursor
                return
            if final == "m" and not inter and (not params or params[0] not in "<=>?"):
                if params.split(";", 1)[0] in ("", "0"):
                    self._pen_known = True  # a reset: the pen is known again
                self._pen = apply_sgr(self._pen, params)
                self._out.append(seq)
                return
            self._out.append(seq)
            if final == "u" and not inter and not params:
                self._pen_known = False  # restore cursor, maybe with its saved pen
            if final == "r" and not inter and params[:1] != "?":
                # A scroll region changes what line feeds do: stay raw until it is reset.
                self._region = params not in ("", f"1;{self.height}")
            if self._region or not self._pen_known:
                return
            if final in "Hf" and not inter and (not params or params[0] not in "<=>?"):
                self._x, self._y = self._parse_cup(params)
                self._lf_from = None
                self._raw = False
                self._tx, self._ty, self._tpen = self._x, self._y, self._pen
            return
        private = params[:1] in ("?", "<", "=", ">")
        if not private and not inter:
            if final == "m":
                self._pen = apply_sgr(self._pen, params)
                return
            if final in "Hf":
                self._x, self._y = self._parse_cup(params)
                self._lf_from = None
                return
            if final in "ABCDEFGd`":
                self._relative(params, final, seq)
                return
            if final in _SAFE_CSI:
                self._pass(seq, cursor=True)
                return
            if final == "u":  # restore cursor (SCORC): maybe the saved pen too
                self._pen_known = False
            self._go_raw(seq)
            if final == "r":
                self._region = params not in ("", f"1;{self.height}")
            return
        if params[:1] == "?" and final in "hl" and not inter:
            self._private_mode(params[1:], final, seq)
            return
        if final == "p" and inter == "!":  # soft reset
            self._go_raw(seq)
            return
        self._pass(seq)

    def _private_mode(self, params: str, final: str, seq: str) -> None:
        modes = params.split(";")
        if "2026" in modes:
            if final == "h":
                self._sync_frame = True
            modes = [m for m in modes if m != "2026"]
            if not modes:
                return
        if not self.mouse_motion and "1003" in modes:
            modes = ["1002" if m == "1003" else m for m in modes]
        seq = f"\x1b[?{';'.join(modes)}{final}"
        if "25" in modes:
            self._cursor_visible = final == "h"
        if _SCREEN_MODES.intersection(modes):
            self._pass(seq, cursor=True, pen=True)
            # The terminal shows another screen (or moved its origin): forget both screens;
            # the cursor stays where the app has it, and the terminal has it there too.
            self._forget_all()
            self._x = self._y = None
            self._tx = self._ty = None
            return
        self._pass(seq, cursor=bool(_CURSOR_MODES.intersection(modes)))

    def _osc(self, body: str, seq: str) -> None:
        if body.startswith("8;"):
            params, _, uri = body[2:].partition(";")
            link = f"{params};{uri}" if uri else None
            self._pen = with_link(self._pen, link)
            if self._raw:
                self._out.append(seq)
            return
        if self._raw:
            self._out.append(seq)
        else:
            self._pass(seq)

    def _esc(self, body: str, seq: str) -> None:
        if body == "8":  # restore cursor: position and, in most terminals, the saved pen
            self._pen_known = False
        if self._raw:
            self._out.append(seq)
            return
        if body in ("=", ">", "(B", "\\"):
            self._pass(seq)
        elif body == "7":  # save cursor: harmless once cursor and pen are in step
            self._pass(seq, cursor=True, pen=True)
        else:  # restoring a cursor (ESC 8, like CSI u) is left to the terminal: raw
            self._go_raw(seq)

    def _ctl(self, ch: str) -> None:
        if self._raw:
            self._out.append(ch)
            return
        if ch == "\r":
            if self._lf_from is not None:
                self._x = 0  # CR after LF: column 0 however the tty treats LF
                self._y = self._lf_from[1] + len(self._lf_from[2])
                self._lf_from = None
            elif self._y is not None:
                self._x = 0
            else:
                self._go_raw(ch)
        elif ch == "\n" and self._y is not None and self._lf_from is None and self._x is not None:
            if self._y + 1 >= self.height:
                self._go_raw(ch)  # would scroll
                return
            # The column depends on the tty (ONLCR); only an absolute move usually follows.
            self._lf_from = (self._x, self._y, "\n")
            self._x = None
            self._y += 1
        elif ch == "\n" and self._lf_from is not None:
            x0, y0, lfs = self._lf_from
            if y0 + len(lfs) + 1 >= self.height:
                self._go_raw(ch)
                return
            self._lf_from = (x0, y0, lfs + "\n")
            self._y = y0 + len(lfs) + 1
        elif ch == "\b" and self._x is not None and 0 < self._x < self.width:
            self._x -= 1
        elif ch in "\x07\x7f":
            self._pass(ch)
        else:
            self._go_raw(ch)

    def _parse_cup(self, params: str) -> tuple[int, int]:
        row, _, col = params.partition(";")
        y = int(row) if row.isdigit() and int(row) > 0 else 1
        x = int(col) if col.isdigit() and int(col) > 0 else 1
        return min(x, self.width) - 1, min(y, self.height) - 1

    def _relative(self, params: str, final: str, seq: str) -> None:
        x, y = self._x, self._y
        n = int(params) if params.isdigit() and int(params) > 0 else 1
        if (
            y is None
            or (x is None and final in "CD")
            or (x is not None and x >= self.width and final not in "G`")
        ):
            self._go_raw(seq)
            return
        if final == "A":
            y = max(0, y - n)
        elif final == "B":
            y = min(self.height - 1, y + n)
        elif final == "C":
            x = min(self.width - 1, x + n)  # type: ignore[operator]
        elif final == "D":
            x = max(0, x - n)  # type: ignore[operator]
        elif final in "G`":
            x = min(self.width, n) - 1
        elif final == "d":
            y = min(self.height, n) - 1
        elif final == "E":
            x, y = 0, min(self.height - 1, y + n)
        elif final == "F":
            x, y = 0, max(0, y - n)
        if x is None:
            self._go_raw(seq)
            return
        self._x, self._y = x, y
        self._lf_from = None

    # --------------------------------------------------------- pass-through

    def _pass(self, seq: str, *, cursor: bool = False, pen: bool = False) -> None:
        """Send a sequence we do not model, in order: pending cells first."""
        if self._raw:
            self._out.append(seq)
            return
        self._emit_changes()
        if cursor:
            self._sync_cursor()
        if pen:
            self._set_pen(self._pen)
        self._out.append(seq)

    def _go_raw(self, data: str) -> None:
        """Hand ``data`` and what follows to the terminal untouched, in step with the app."""
        self._emit_changes()
        self._sync_cursor()
        self._set_pen(self._pen)
        self._out.append(data)
        self._forget_all()
        self._raw = True

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
                if (ch == " " and self.erase and not style[2] and not style[3]
                        and style[4] is None and not (x and (sc[x - 1] is None or sc[x] == ""))):
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
                _put(sc, ss, x, ch, w, style, width)
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


def _put(
    row_c: list[str | None], row_s: list[Style | None], x: int, ch: str, w: int, style: Style,
    width: int
) -> tuple[int, int]:
    """Write one character into a row as a terminal does; return the columns it changed.

    Overwriting either half of a wide character blanks its other half, as xterm and VTE do.
    """
    lo, hi = x, x + w
    if row_c[x] == "" and x > 0:
        row_c[x - 1] = " "
        lo = x - 1
    if x + w < width and row_c[x + w] == "":
        row_c[x + w] = " "
        hi = x + w + 1
    row_c[x] = ch
    row_s[x] = style
    if w == 2:
        row_c[x + 1] = ""
        row_s[x + 1] = style
    return lo, hi
