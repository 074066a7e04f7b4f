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

from orderview.terminal.sgr import DEFAULT, apply_sgr, with_link
from orderview.terminal.shadow_emit import ShadowEmitter
from orderview.terminal.shadow_model import put_char
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


class ShadowScreen(ShadowEmitter):
    """Filter a terminal output stream down to the minimal update of the terminal's screen.

    ``feed(data)`` takes what the app writes and returns what must go out now (usually "",
    output is held until the frame ends); ``flush()`` ends a frame and returns its update.
    """

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
                lo, hi = put_char(row_c, row_s, x, ch, w, pen, width)
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
        elif final == "C" and x is not None:
            x = min(self.width - 1, x + n)
        elif final == "D" and x is not None:
            x = max(0, x - n)
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
