"""A Linux driver that ends the session when its terminal goes away.

Over SSH the terminal vanishes with the connection. Textual's own driver then misbehaves in
three ways (textual 8.2.8): its input thread reads end-of-file from the dead terminal, drops it
and selects again at once, for ever, a busy loop that keeps a core at 75% on the support host;
its writer thread dies on the first ``EIO`` and the next thirty frames fill its queue, after
which the app blocks for good; and nothing handles ``SIGHUP`` when the app is not the first to
receive it (``nohup``, a shell that ignores it). Here the first of end-of-file on input, an
``OSError`` writing the terminal, or ``SIGHUP`` ends the app the normal way (workers cancelled,
database connections closed, nothing half written: every write is one transaction) with exit
status 129, the shell's code for a hang-up, and nothing more is sent to the terminal.

Its input thread also reads the terminal as untrusted (``TerminalInput``): bytes that are not
UTF-8 become U+FFFD instead of ending the session with ``UnicodeDecodeError``, and a bracketed
paste reaches the app as one ``Paste`` event whatever it holds, never as keys
(``orderview.terminal.paste``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import selectors
import signal
import struct
import termios
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from time import monotonic
from typing import IO, TYPE_CHECKING, Any

from orderview.widgets.textual_internals import FramedParser
from textual import constants, events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from orderview.terminal.ascii import to_ascii
from orderview.terminal.paste import KEYS_DUE, PASTE, PasteFramer, Piece

if TYPE_CHECKING:
    from textual.app import App

# 129, as a shell reports a process ended by SIGHUP. The same figure as the CLI's
# ``exit_codes.HANGUP`` (tests/test_ship_cli.py holds the two together): importing the CLI package
# from the driver would close an import loop (cli -> app_cmd -> app -> this driver -> cli).
HANGUP_EXIT_STATUS = 128 + signal.SIGHUP
POLL = 0.1  # seconds the input thread waits for input before it looks at the exit flag again
DECODE_WAIT = 0.5  # seconds the start of a UTF-8 character waits for the rest of it


class TerminalInput:
    """The terminal's bytes as Textual events: decoded with replacement (one invalid byte
    becomes U+FFFD), pastes taken out whole (``PasteFramer``) and delivered as one ``Paste``
    each, the rest parsed into keys by Textual's parser."""

    def __init__(self, debug: bool = False) -> None:
        self.parser = FramedParser(debug)
        self.framer = PasteFramer(constants.ESCAPE_DELAY)
        self.decoder = getincrementaldecoder("utf-8")(errors="replace")
        self._last_read = 0.0

    def feed(self, data: bytes, now: float) -> list[Message]:
        self._last_read = now
        return self._events(self.framer.feed(self.decoder.decode(data), now))

    def poll(self, now: float) -> list[Message]:
        """What time completes: an escape sequence, a character cut short, a paste cut short."""
        messages = list(self.parser.tick())
        if self._undecoded() and now - self._last_read >= DECODE_WAIT:
            messages += self._events(self.framer.feed(self.decoder.decode(b"", final=True), now))
        return messages + self._events(self.framer.poll(now))

    def wait(self, now: float) -> float:
        """How long the reader may wait for input before ``poll`` is due."""
        due = [now + POLL]
        if (deadline := self.framer.deadline()) is not None:
            due.append(deadline)
        if self._undecoded():
            due.append(self._last_read + DECODE_WAIT)
        return max(min(due) - now, 0.0)

    def _undecoded(self) -> bool:
        return bool(self.decoder.getstate()[0])

    def _events(self, pieces: list[Piece]) -> list[Message]:
        messages: list[Message] = []
        for kind, text in pieces:
            if kind == PASTE:
                # keys before the paste first; NUL dropped as Textual does (textual#1661)
                messages += self.parser.expire()
                messages.append(events.Paste(text.replace("\x00", "")))
                continue
            messages += self.parser.feed(text)
            if kind == KEYS_DUE:
                messages += self.parser.expire()
        return messages


class TerminalFile:
    """The terminal as the writer thread sees it: once a write fails, the terminal is gone,
    and every later write is dropped instead of raising (a dead writer thread would leave the
    app blocked on its full queue)."""

    def __init__(self, file: IO[str], on_hangup: Callable[[], None]) -> None:
        self._file = file
        self._on_hangup = on_hangup
        self.gone = False

    def fileno(self) -> int:
        return self._file.fileno()

    def _guard(self, action: Callable[[], object]) -> None:
        if self.gone:
            return
        try:
            action()
        except (OSError, ValueError):  # EIO/EPIPE from a hung-up terminal; ValueError: closed
            self.gone = True
            self._on_hangup()

    def write(self, text: str) -> None:
        self._guard(lambda: self._file.write(text))

    def flush(self) -> None:
        self._guard(self._file.flush)


class SessionDriver(LinuxDriver):
    """Textual's Linux driver, ended by a terminal hang-up instead of spinning or blocking."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        # LinuxDriver types its private ``_file`` as ``sys.__stderr__`` is; its writer thread
        # only writes, flushes and asks for the descriptor, which ``TerminalFile`` does.
        self._file = self._terminal = TerminalFile(self._file, self.hang_up)  # type: ignore[arg-type,assignment]  # Textual: _file is sys.__stderr__'s type
        self.hung_up = threading.Event()
        # The app's loop, once the session has started: a hang-up before it ends nothing.
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._previous_sighup: Any = None
        # ASCII mode (a terminal whose locale is not UTF-8): plain ASCII of the same width.
        self.ascii = bool(getattr(app, "ascii_mode", False))

    def start_application_mode(self) -> None:
        self._session_loop = asyncio.get_running_loop()
        self._previous_sighup = signal.signal(signal.SIGHUP, self._on_sighup)
        super().start_application_mode()

    def stop_application_mode(self) -> None:
        super().stop_application_mode()
        if self._previous_sighup is not None:
            signal.signal(signal.SIGHUP, self._previous_sighup)
            self._previous_sighup = None

    def _on_sighup(self, signum: int, frame: object) -> None:
        self.hang_up()

    def hang_up(self) -> None:
        """The terminal is gone (any thread, or a signal handler): stop writing to it and end
        the app once, on its own loop."""
        if self.hung_up.is_set():
            return
        self.hung_up.set()
        self._terminal.gone = True
        loop = self._session_loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between: ending anyway
            loop.call_soon_threadsafe(self._end_app)

    def _end_app(self) -> None:
        self._app.exit(return_code=HANGUP_EXIT_STATUS)

    def write(self, data: str) -> None:
        if self.hung_up.is_set() or self._writer_thread is None:
            return
        super().write(to_ascii(data) if self.ascii else data)

    _cooked_left = 0  # bytes still to read that were typed before the terminal was made raw

    def _typed_while_cooked(self) -> int:
        """How many bytes wait in the terminal that were typed before ``start_application_mode``
        made it raw (an operator typing at once, a script piping keys). The terminal was still
        cooked then: its line discipline turned each enter (CR) into a line feed."""
        if self.attrs_before is None or not self.attrs_before[0] & termios.ICRNL:  # iflag
            return 0
        try:
            pending = fcntl.ioctl(self.fileno, termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return 0
        return int(struct.unpack("i", pending)[0])

    def _enter_as_typed(self, data: bytes) -> bytes:
        """Give back the enter of keys typed while the terminal was cooked: a lone line feed
        among them was a CR (Textual would read it as ``ctrl+j``, and an Order ID and enter
        typed at start would fill the search box and never open the order)."""
        if self._cooked_left <= 0:
            return data
        early, rest = data[: self._cooked_left], data[self._cooked_left :]
        self._cooked_left -= len(early)
        return early.replace(b"\r\n", b"\r").replace(b"\n", b"\r") + rest

    def run_input_thread(self) -> None:
        """Textual's input loop (``LinuxDriver.run_input_thread``), except that end-of-file or
        a read error on the terminal is a hang-up rather than something to select on again,
        and that the input goes through ``TerminalInput``."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        terminal = TerminalInput(self._debug)
        self._cooked_left = self._typed_while_cooked()

        def read_once() -> bool:
            """Read what is ready; False once the terminal is gone."""
            for _key, mask in selector.select(terminal.wait(monotonic())):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(self.fileno, 1024 * 4)
                    except OSError:
                        data = b""
                    if not data:
                        self.hang_up()
                        return False
                    data = self._enter_as_typed(data)
                    for event in terminal.feed(data, monotonic()):
                        self.process_message(event)
            for event in terminal.poll(monotonic()):
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not read_once():
                    return
            selector.unregister(self.fileno)
        finally:
            selector.close()
