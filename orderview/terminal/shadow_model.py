"""The shadow screen's model: the screen as the app means it (``want``) and as the terminal
shows it (``shown``), with the dirty spans between them.

Split from ``shadow.py`` along its seam: this module holds the grids and how a character lands
in a row; ``shadow_emit.py`` turns the difference into bytes; ``shadow.py`` parses the stream.
"""

from __future__ import annotations

from orderview.terminal.sgr import DEFAULT, Style


class ShadowModel:
    """The two grids (``want``/``shown``), the app's cursor and pen, and the dirty spans."""

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

    def _put_ascii(
        self,
        row_c: list[str | None],
        row_s: list[Style | None],
        y: int,
        x: int,
        text: str,
        pen: Style,
    ) -> None:
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


def put_char(
    row_c: list[str | None],
    row_s: list[Style | None],
    x: int,
    ch: str,
    w: int,
    style: Style,
    width: int,
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
