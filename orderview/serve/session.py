"""One SSH session: the app on a pseudo-terminal of its own (or one command, for an exec
request), relayed to and from the SSH channel.

The relay is bytes both ways and nothing more: the app's own driver (shadow screen, type-ahead,
hang-up handling) works as it does under sshd. A window change resizes the pty (the kernel tells
the app with SIGWINCH); a channel that closes hangs the pty up, so the app ends as it does when
an SSH connection drops (exit 129), and nothing half-written is left (every write is one
transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import re
import signal
import struct
import termios
import time
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from orderview.serve.spawner import Spawner

TERM_NAME = re.compile(r"[A-Za-z0-9._+-]{1,64}")
READ_SIZE = 65536


def set_size(fd: int, cols: int, rows: int) -> None:
    cols = max(1, min(cols or 80, 1000))
    rows = max(1, min(rows or 24, 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


@dataclass(eq=False)  # one per session: compared and hashed by identity
class Session:
    """What the server knows of a running session (for limits, idle time, reload, logs)."""

    operator: str
    role: str
    fingerprint: str
    address: str
    process: asyncssh.SSHServerProcess[bytes]
    pid: int = 0
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    bytes_sent: int = 0
    ended_because: str | None = None
    master: int | None = None

    def end(self, spawner: Spawner, reason: str) -> None:
        """Hang the session up (the app exits as on a dropped connection: SIGHUP, exit 129),
        remembering why, to say so once it has ended."""
        if self.ended_because is None:
            self.ended_because = reason
        if self.pid:
            spawner.signal(self.pid, signal.SIGHUP)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


async def pump_out(fd: int, writer: asyncssh.SSHWriter[bytes], session: Session | None) -> None:
    """Copy what the session writes to the channel, with back-pressure (a slow link makes the
    app wait, not the server's memory grow).

    Once the channel is closed the pump goes on reading and drops what it reads, until the
    session's side closes: a pty nobody reads fills up, the app's writer thread blocks on it,
    its frame queue fills behind that, and an app told to hang up could then never end (the
    server killed it after ``KILL_AFTER`` instead of seeing it exit 129)."""
    channel_open = True
    while True:
        try:
            await _readable(fd)
            data = os.read(fd, READ_SIZE)
        except OSError as exc:  # EIO: the pty's other side is closed (the app ended)
            if exc.errno in (errno.EIO, errno.EBADF):
                return
            raise
        if not data:
            return
        if not channel_open:
            continue
        try:
            writer.write(data)  # BrokenPipeError once the channel is closed
        except (ConnectionError, asyncssh.Error):
            channel_open = False
            continue
        if session is not None:
            session.bytes_sent += len(data)
        with contextlib.suppress(ConnectionError, asyncssh.Error):
            await writer.drain()


async def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            await asyncio.sleep(0.01)
            continue
        view = view[written:]


async def pump_in(session: Session) -> None:
    """Copy the operator's keys into the pty, and window changes onto it, until the channel
    closes."""
    stdin = session.process.stdin
    while True:
        try:
            data = await stdin.read(READ_SIZE)
        except asyncssh.TerminalSizeChanged as change:
            if session.master is not None:
                set_size(session.master, change.width, change.height)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived):
            continue
        except (ConnectionError, asyncssh.Error):
            return
        if not data or session.master is None:
            return
        session.last_input = time.monotonic()
        try:
            await _write_all(session.master, data)
        except OSError:
            return


KILL_AFTER = 10.0  # seconds after a hang-up that a session process may take to end


async def _exit_status(spawner: Spawner, session: Session, done: asyncio.Future[int]) -> int:
    """Wait for the session's process; once it was told to end, give it ``KILL_AFTER``."""
    while True:
        timeout = KILL_AFTER if session.ended_because is not None else 1.0
        with contextlib.suppress(asyncio.TimeoutError):
            return await asyncio.wait_for(asyncio.shield(done), timeout)
        if session.ended_because is not None:
            spawner.signal(session.pid, signal.SIGKILL)
            return await done


def terminal_env(base: dict[str, str], term_type: str | None) -> dict[str, str]:
    env = dict(base)
    env["TERM"] = term_type if term_type and TERM_NAME.fullmatch(term_type) else "xterm-256color"
    return env


async def run_terminal(session: Session, spawner: Spawner, request: dict[str, Any]) -> int:
    """The app on a new pty; returns its exit status."""
    process = session.process
    master, slave = os.openpty()
    cols, rows, *_ = process.get_terminal_size()
    set_size(slave, cols, rows)
    os.set_blocking(master, False)
    session.master = master
    try:
        session.pid = await spawner.spawn({**request, "tty": True}, [slave, slave, slave])
    finally:
        os.close(slave)
    out = asyncio.create_task(pump_out(master, process.stdout, session))
    inp = asyncio.create_task(pump_in(session))
    done = asyncio.create_task(spawner.wait(session.pid))
    finished, _ = await asyncio.wait({inp, done}, return_when=asyncio.FIRST_COMPLETED)
    if inp in finished and not done.done():  # the client went away: hang up, as sshd would
        session.end(spawner, session.ended_because or "the connection closed")
    status = await _exit_status(spawner, session, done)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(out, 2)  # the app's last frame
    out.cancel()
    inp.cancel()
    if session.master is not None:
        with contextlib.suppress(OSError):
            os.close(session.master)
        session.master = None
    return status


async def run_command(session: Session, spawner: Spawner, request: dict[str, Any]) -> int:
    """One command for an exec request: stdout and stderr over the channel, no stdin."""
    process = session.process
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        session.pid = await spawner.spawn({**request, "tty": False}, [null, out_w, err_w])
    finally:
        for fd in (null, out_w, err_w):
            os.close(fd)
    for fd in (out_r, err_r):
        os.set_blocking(fd, False)
    pumps = [
        asyncio.create_task(pump_out(out_r, process.stdout, session)),
        asyncio.create_task(pump_out(err_r, process.stderr, None)),
    ]
    status = await _exit_status(spawner, session, asyncio.ensure_future(spawner.wait(session.pid)))
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(*pumps), 5)
    for fd in (out_r, err_r):
        with contextlib.suppress(OSError):
            os.close(fd)
    return status
