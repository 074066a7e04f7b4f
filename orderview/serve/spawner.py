"""The server's side of the zygote (``orderview.serve.zygote``): start it, ask it for a session
process, learn when that process ends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

from orderview.serve.zygote import HEADER


class SpawnerGone(RuntimeError):
    """The zygote ended: no new session can start."""


class Spawner:
    def __init__(self) -> None:
        self._ctl: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._next = 0
        self._pending: dict[int, asyncio.Future[int]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[int] | None = None
        self._events: asyncio.StreamWriter | None = None

    async def start(self, timeout: float = 60.0) -> None:
        ctl, ctl_child = socket.socketpair()
        events, events_child = socket.socketpair()
        env = dict(os.environ)
        env.setdefault("PYTHONUTF8", "1")
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderview.serve.zygote",
                str(ctl_child.fileno()),
                str(events_child.fileno()),
            ],
            pass_fds=(ctl_child.fileno(), events_child.fileno()),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        ctl_child.close()
        events_child.close()
        self._ctl = ctl
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        reader, self._events = await asyncio.open_unix_connection(sock=events)  # kept: a
        # dropped writer closes the connection when it is collected
        self._reader = asyncio.create_task(self._read_events(reader))
        await asyncio.wait_for(asyncio.shield(self._ready), timeout)

    async def _read_events(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(HEADER.size)
                (size,) = HEADER.unpack(header)
                self._dispatch(json.loads(await reader.readexactly(size)))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            gone = SpawnerGone("the session starter ended")
            for future in [*self._pending.values(), *self._exits.values()]:
                if not future.done():
                    future.set_exception(gone)
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(gone)

    def _dispatch(self, event: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        if "ready" in event and self._ready is not None and not self._ready.done():
            self._ready.set_result(int(event["ready"]))
        elif "pid" in event:
            pid = int(event["pid"])
            self._exits[pid] = loop.create_future()  # before anyone can ask: the exit may be next
            future = self._pending.pop(int(event["id"]), None)
            if future is not None and not future.done():
                future.set_result(pid)
        elif "exited" in event:
            exit_future = self._exits.get(int(event["exited"]))
            if exit_future is not None and not exit_future.done():
                exit_future.set_result(int(event["status"]))

    async def spawn(self, request: dict[str, Any], fds: list[int]) -> int:
        """Start a session process with ``fds`` as its stdin, stdout, stderr; its pid."""
        if self._ctl is None or self._reader is None or self._reader.done():
            raise SpawnerGone("the session starter is not running")
        self._next += 1
        request = {**request, "id": self._next}
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        body = json.dumps(request).encode()
        socket.send_fds(self._ctl, [HEADER.pack(len(body)) + body], fds)
        return await asyncio.wait_for(future, 30)

    async def wait(self, pid: int) -> int:
        """The session process's exit status (as ``subprocess`` reports it)."""
        try:
            return await asyncio.shield(self._exits[pid])
        finally:
            if self._exits[pid].done():
                self._exits.pop(pid, None)

    def signal(self, pid: int, sig: int) -> None:
        """Signal the session's process group (it is a session leader)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)

    def pids(self) -> list[int]:
        return [pid for pid, future in self._exits.items() if not future.done()]

    def resident_pids(self) -> list[int]:
        """The zygote and every live session process (for memory figures)."""
        return ([self._proc.pid] if self._proc else []) + self.pids()

    async def stop(self) -> None:
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
        if self._proc is not None:
            proc = self._proc
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), 5)
            except TimeoutError:
                proc.send_signal(signal.SIGKILL)
                await asyncio.to_thread(proc.wait)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
