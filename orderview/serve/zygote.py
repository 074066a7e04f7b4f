"""The pre-imported parent of every session: imports the whole app once, freezes the garbage
collector's view of it, then forks one child per session.

Why: a session is the app in a process of its own (a crash or a leak in one cannot touch
another), but importing Textual, SQLAlchemy and pydantic costs each process ~0.5 s and tens of
MB. Forked children share those pages copy-on-write; ``gc.freeze()`` keeps the collector from
touching (and so copying) the objects the imports made. The server itself runs asyncio and
asyncssh, which must not be forked; this process has no event loop and no threads.

Protocol (``python -m orderview.serve.zygote CTL_FD EVENTS_FD``): the server sends one request
per session on CTL, a length-prefixed JSON object with the session's file descriptors attached
(stdin, stdout, stderr: the same pty slave three times for a terminal session). The zygote
answers on EVENTS with ``{"id": n, "pid": p}`` and later ``{"exited": p, "status": s}``.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
import termios
import traceback
from typing import Any, Literal

PRELOAD = (
    "orderview.cli",
    "orderview.cli.context",
    "orderview.cli.app_cmd",
    "orderview.app",
    "orderview.screens.orders",
    "orderview.screens.order",
    "orderview.services.orders",
    "orderview.mail.background",
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "aiosqlite",
    "textual.drivers.linux_driver",
)
OPTIONAL_PRELOAD = ("sqlalchemy.dialects.postgresql.asyncpg", "asyncpg")
HEADER = struct.Struct("!I")
CRASH_STATUS = 70  # EX_SOFTWARE


def preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    for name in OPTIONAL_PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from orderview.cli import COMMAND_MODULES

    for name in COMMAND_MODULES:
        importlib.import_module(name)


def send_event(sock: socket.socket, event: dict[str, Any]) -> None:
    data = json.dumps(event).encode()
    sock.sendall(HEADER.pack(len(data)) + data)


def receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """One request and its descriptors; None when the server has gone."""
    header, fds, _flags, _addr = socket.recv_fds(sock, HEADER.size, 8)
    if not header:
        return None
    while len(header) < HEADER.size:
        more = sock.recv(HEADER.size - len(header))
        if not more:
            return None
        header += more
    (size,) = HEADER.unpack(header)
    body = b""
    while len(body) < size:
        more = sock.recv(size - len(body))
        if not more:
            return None
        body += more
    return json.loads(body), list(fds)


def _reopen_stdio(tty: bool) -> None:
    """The standard streams were made for the zygote's own descriptors when it started
    (buffering and encoding decided then): make them anew for the session's."""
    modes: tuple[tuple[int, Literal["r", "w"]], ...] = ((0, "r"), (1, "w"), (2, "w"))
    streams = []
    for fd, mode in modes:
        errors = "backslashreplace" if fd == 2 else "strict"
        streams.append(
            open(  # noqa: SIM115
                fd,
                mode,
                encoding="utf-8",
                errors=errors,
                closefd=False,
                buffering=1 if (tty and fd) else -1,
            )
        )
    sys.stdin, sys.stdout, sys.stderr = streams
    # typeshed marks the originals Final; a forked session must still replace them.
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams  # type: ignore[misc]  # typeshed: Final


def run_child(request: dict[str, Any], fds: list[int]) -> int:
    """In the forked child: take the session's terminal, decide who acts, run the command."""
    os.setsid()
    if request.get("tty"):
        fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in set(fds):
        if fd > 2:
            os.close(fd)
    _reopen_stdio(bool(request.get("tty")))
    os.environ.clear()
    os.environ.update(request["env"])
    from orderview.identity import fix_actor
    from orderview.roles import Actor

    who = request["actor"]
    fix_actor(
        Actor(who["name"], who["role"], fingerprint=who["fingerprint"], address=who["address"])
    )
    from orderview.cli import main

    return main(request["argv"])


def fork_session(request: dict[str, Any], fds: list[int], keep: list[int]) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = CRASH_STATUS
    try:
        for fd in keep:
            os.close(fd)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        gc.unfreeze()
        status = run_child(request, fds)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
    return 0  # not reached


def reap(events: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        send_event(events, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})


def serve(ctl: socket.socket, events: socket.socket) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we stop
    send_event(events, {"ready": os.getpid()})
    while True:
        readers: list[socket.socket | int] = [ctl, wake_r]
        ready, _, _ = select.select(readers, [], [])
        if wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 512)
            reap(events)
        if ctl in ready:
            got = receive(ctl)
            if got is None:
                return
            request, fds = got
            try:
                pid = fork_session(request, fds, [ctl.fileno(), events.fileno(), wake_r, wake_w])
                send_event(events, {"id": request["id"], "pid": pid})
            finally:
                for fd in fds:
                    os.close(fd)


def main(argv: list[str]) -> int:
    ctl = socket.socket(fileno=int(argv[0]))
    events = socket.socket(fileno=int(argv[1]))
    preload()
    gc.collect()
    gc.freeze()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        serve(ctl, events)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
