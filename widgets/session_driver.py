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
from typing import IO, TYPE_CHECKING, Any

from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

HANGUP_EXIT_STATUS = 128 + signal.SIGHUP  # 129, as a shell reports a process ended by SIGHUP


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
        self._terminal = TerminalFile(self._file, self.hang_up)  # type: ignore[arg-type]
        self._file = self._terminal  # type: ignore[assignment]
        self.hung_up = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_sighup: Any = None

    def start_application_mode(self) -> None:
        self._loop = asyncio.get_running_loop()
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
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between: ending anyway
            loop.call_soon_threadsafe(self._end_app)

    def _end_app(self) -> None:
        self._app.exit(return_code=HANGUP_EXIT_STATUS)

    def write(self, data: str) -> None:
        if self.hung_up.is_set() or self._writer_thread is None:
            return
        super().write(data)

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
        early, rest = data[:self._cooked_left], data[self._cooked_left:]
        self._cooked_left -= len(early)
        return early.replace(b"\r\n", b"\r").replace(b"\n", b"\r") + rest

    def run_input_thread(self) -> None:
        """Textual's input loop (``LinuxDriver.run_input_thread``), except that end-of-file or
        a read error on the terminal is a hang-up rather than something to select on again."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        self._cooked_left = self._typed_while_cooked()

        def read_once(final: bool = False) -> bool:
            """Read what is ready; False once the terminal is gone."""
            for _key, mask in selector.select(0.1):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(self.fileno, 1024 * 4)
                    except OSError:
                        data = b""
                    if not data:
                        self.hang_up()
                        return False
                    data = self._enter_as_typed(data)
                    for event in parser.feed(decode(data, final=final)):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not read_once():
                    return
            selector.unregister(self.fileno)
        finally:
            selector.close()
