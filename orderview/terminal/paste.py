"""Bracketed pastes taken out of the terminal's input whole, before any key is parsed (pure
Python, no Textual/Rich).

A terminal in bracketed-paste mode sends a paste as ``ESC[200~``, the text, ``ESC[201~``. The
text is whatever was on the clipboard, and a web page can put anything there: ESC, CSI
sequences, a second start marker. Textual 8.2.8's parser ends a paste at the first ESC inside it
and delivers the rest as keys, so a paste could open an order and answer its Delete dialog.
``PasteFramer`` splits the decoded input into text for the key parser and whole pastes:

- everything between a start marker and the next end marker is one paste, whatever it holds;
- a marker cut across two reads is still a marker (the bytes that may begin one wait for the
  next read, at most ``hold`` seconds, the key parser's own escape delay);
- a paste whose end marker never comes ends after ``idle`` seconds without input; one longer than
  ``max_paste`` characters keeps its first ``max_paste``, the rest up to its end is dropped
  (never handed to the key parser).

The driver (``widgets/session_driver.py``) gives ``KEYS`` pieces to the key parser and turns a
``PASTE`` piece into one paste event.
"""

from __future__ import annotations

START = "\x1b[200~"
END = "\x1b[201~"

KEYS = "keys"  # text for the key parser
KEYS_DUE = (
    "keys-due"  # text for the key parser; nothing followed in time: a sequence it ends is complete
)
PASTE = "paste"  # the text of one whole paste

MAX_PASTE = 4 * 1024 * 1024  # characters kept of one paste (100,000 license keys fit)
PASTE_IDLE = 2.0  # seconds without input that end a paste whose end marker never came

Piece = tuple[str, str]


def _marker_begun(text: str, marker: str) -> int:
    """How many characters at the end of ``text`` may begin ``marker`` (0 when none)."""
    for n in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:n]):
            return n
    return 0


class PasteFramer:
    """Splits the terminal's decoded input into key text and whole pastes (see the module)."""

    def __init__(self, hold: float, idle: float = PASTE_IDLE, max_paste: int = MAX_PASTE) -> None:
        self.hold = hold
        self.idle = idle
        self.max_paste = max_paste
        self.inside = False
        self._held = ""  # what may begin a marker: the start outside a paste, the end inside
        self._held_at = 0.0
        self._paste: list[str] = []
        self._size = 0
        self._last = 0.0  # inside a paste: when its last input came

    def feed(self, text: str, now: float) -> list[Piece]:
        """The pieces ``text`` (read at ``now``) completes, in order."""
        pieces: list[Piece] = []
        text, self._held = self._held + text, ""
        while text:
            if self.inside:
                self._last = now
                end = text.find(END)
                if end < 0:
                    keep = _marker_begun(text, END)
                    self._take(text[: len(text) - keep])
                    self._hold(text[len(text) - keep :], now)
                    break
                self._take(text[:end])
                pieces += self._finish()
                text = text[end + len(END) :]
            else:
                start = text.find(START)
                if start < 0:
                    keep = _marker_begun(text, START)
                    if len(text) > keep:
                        pieces.append((KEYS, text[: len(text) - keep]))
                    self._hold(text[len(text) - keep :], now)
                    break
                if start:
                    pieces.append((KEYS, text[:start]))
                self.inside, self._last = True, now
                text = text[start + len(START) :]
        return pieces

    def poll(self, now: float) -> list[Piece]:
        """The pieces that time completes: held bytes that began no marker after all, or a
        paste whose end marker did not come."""
        if self.inside:
            if now < self._last + self.idle:
                return []
            self._take(self._held)
            self._held = ""
            return self._finish()
        if self._held and now >= self._held_at + self.hold:
            held, self._held = self._held, ""
            return [(KEYS_DUE, held)]
        return []

    def deadline(self) -> float | None:
        """When ``poll`` may next have something (None: not until more input)."""
        if self.inside:
            return self._last + self.idle
        return self._held_at + self.hold if self._held else None

    def _hold(self, text: str, now: float) -> None:
        self._held = text
        if text:
            self._held_at = now

    def _take(self, text: str) -> None:
        room = self.max_paste - self._size
        if text and room > 0:
            self._paste.append(text[:room])
            self._size += min(len(text), room)

    def _finish(self) -> list[Piece]:
        text = "".join(self._paste)
        self.inside, self._paste, self._size = False, [], 0
        return [(PASTE, text)] if text else []
