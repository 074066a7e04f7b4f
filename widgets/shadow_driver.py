"""Textual glue for the shadow screen: a driver that sends the terminal only what changed.

Imported only by ``orderview/app.py``. The mechanism itself (``orderview.terminal``) is pure
Python; this module subclasses the session driver (Textual's Linux driver that ends the app when
the terminal hangs up, ``widgets/session_driver.py``) so that every ``write()`` goes through
the filter and every ``flush()`` (Textual flushes once per frame) sends the frame's minimal
update. With ``settings.minimal_output`` off, the app uses the session driver unfiltered.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from orderview.widgets.app_services import services_of
from orderview.widgets.session_driver import SessionDriver
from orderview.widgets.textual_internals import app_driver, render_full_frame
from textual.keys import KEY_DISPLAY_ALIASES
from textual.scrollbar import ScrollBarRender

from orderview import safetext
from orderview.terminal import ShadowScreen, ascii

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

    from orderview.settings import Settings


class ShadowDriver(SessionDriver):
    """The session driver with the shadow-screen filter in front of the terminal."""

    mouse_motion = False  # report clicks and drags, not every movement (any-motion → 1002)

    def __init__(self, app: App, **kwargs: object) -> None:
        super().__init__(app, **kwargs)
        width, height = self._get_terminal_size()
        self.shadow = ShadowScreen(
            width, height, mouse_motion=self.mouse_motion, erase=background_colour_erase()
        )

    _failed = False  # the filter raised: from then on, Textual's output goes out unfiltered

    def _fail(self, data: str) -> None:
        """A bug in the filter must not cost the operator the session: fall back to the plain
        stream, and repaint everything so the terminal is right again."""
        self._failed = True
        self._app.log.error("shadow screen failed; sending Textual's output unfiltered")
        super().write(data)
        self._app.call_later(redraw, self._app)

    def _check_size(self) -> None:
        size = self._app.size
        if (size.width, size.height) != (self.shadow.width, self.shadow.height):
            self.shadow.resize(size.width, size.height)

    def write(self, data: str) -> None:
        if self._writer_thread is None:
            return
        if self._failed:
            super().write(data)
            return
        try:
            self._check_size()
            out = self.shadow.feed(data)
        except Exception:
            self._fail(data)
            return
        if out:
            super().write(out)

    def flush(self) -> None:
        if self._writer_thread is None or self._failed:
            return
        try:
            out = self.shadow.flush()
        except Exception:
            self._fail("")
            return
        if out:
            super().write(out)

    def repaint(self) -> None:
        """Clear the terminal and send the whole screen again (ctrl+l)."""
        if self._writer_thread is None:
            return
        if self._failed:
            super().write("\x1b[m\x1b[H\x1b[2J")  # the full update that follows fills it
            return
        out = self.shadow.repaint()
        if out:
            super().write(out)


def background_colour_erase() -> bool:
    """Does the terminal erase with the current background colour (terminfo ``bce``)?

    Without it, blanks erased with ECH/EL would show the default background, so the shadow
    screen spells them out instead (more bytes, same picture).
    """
    term = os.environ.get("TERM", "")
    known = term.startswith(("xterm", "vte", "alacritty", "kitty", "foot", "wezterm"))
    if sys.__stdout__ is None:  # no standard output to ask about
        return known
    try:
        import curses

        curses.setupterm(term or None, sys.__stdout__.fileno())
        return curses.tigetflag("bce") > 0
    except Exception:  # no terminfo entry, no curses (e.g. Windows), not a terminal
        return known


def driver_class(settings: Settings, default: type[Driver]) -> type[Driver]:
    """The driver for these settings on POSIX terminals: the shadow driver when enabled, else
    the session driver; Textual's choice where it is not the Linux driver (Windows, or
    ``TEXTUAL_DRIVER`` chose another)."""
    if sys.platform == "win32" or not issubclass(SessionDriver, default):
        return default
    return ShadowDriver if settings.minimal_output else SessionDriver


def configure(app: App) -> None:
    """Apply the terminal settings to a freshly constructed app."""
    settings: Settings = services_of(app).settings
    app.driver_class = driver_class(settings, app.driver_class)
    app.animation_level = "full" if settings.animations else "none"
    services_of(app).ascii_mode = ascii_mode = ascii.wanted(settings.ascii)
    plain_glyphs(ascii_mode)


_BARS = (ScrollBarRender.VERTICAL_BARS, ScrollBarRender.HORIZONTAL_BARS)
# Keys the footer and help show as arrows and a return sign: words in ASCII mode (``<``, ``>``,
# ``^`` would read as keys of their own, or as ctrl).
_WORD_KEYS = ("up", "down", "left", "right", "enter")
_KEY_GLYPHS = {key: KEY_DISPLAY_ALIASES[key] for key in _WORD_KEYS}


def plain_glyphs(on: bool) -> None:
    """ASCII mode: control stand-ins as ``\\x1b``, arrow and enter keys as words, and scroll
    bars without the eighth-block glyphs at their ends (the thumb is its colour alone);
    everything else the driver turns into ASCII on the way out (``orderview.terminal.ascii``)."""
    safetext.use_ascii(on)
    ScrollBarRender.VERTICAL_BARS = [" "] * 8 if on else _BARS[0]
    ScrollBarRender.HORIZONTAL_BARS = [" "] * 8 if on else _BARS[1]
    KEY_DISPLAY_ALIASES.update({key: key for key in _WORD_KEYS} if on else _KEY_GLYPHS)


def redraw(app: App) -> None:
    """ctrl+l: the terminal got out of step; send everything again.

    The shadow screen re-sends the screen from its model; then Textual renders one full
    update (``App.refresh()`` only repaints dirty regions), which costs nothing more where the
    model already matches and fills in anything the model had to forget. Uses the compositor's
    full update, private API of the pinned Textual version.
    """
    driver = app_driver(app)
    if isinstance(driver, ShadowDriver):
        driver.repaint()
    if not render_full_frame(app):  # a Textual upgrade changed the private API
        app.refresh()  # a plain refresh will do
