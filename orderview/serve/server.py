"""``orderview serve``: public-key authentication, limits, and one session process per SSH
session (``session.py``), started from the pre-imported zygote (``spawner.py``).

Who acts is decided here, once: the key the client proved it holds names the operator (the SSH
user name must be that operator's), and the operators file gives the role. The session's
process receives that identity from the server; nothing the client sends (environment
variables, ``--operator``, a config file) reaches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from orderview.serve import exec_policy
from orderview.serve.operators import (
    Operator,
    Operators,
    OperatorsError,
    fingerprint,
    load_operators,
)
from orderview.serve.session import Session, run_command, run_terminal, terminal_env
from orderview.serve.spawner import Spawner, SpawnerGone
from orderview.settings import Settings

log = logging.getLogger("orderview.serve")
# What a session's process inherits from the server's environment; nothing of the client's.
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH")


@dataclass
class Desk:
    """The server's state: settings, operators, sessions, and the auth-failure record."""

    settings: Settings
    operators_path: Path
    operators: Operators
    base_args: list[str]  # what every session's command line starts with (e.g. --config)
    spawner: Spawner = field(default_factory=Spawner)
    sessions: set[Session] = field(default_factory=set)
    failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    banned: dict[str, float] = field(default_factory=dict)
    connections: dict[asyncssh.SSHServerConnection, DeskConnection] = field(default_factory=dict)
    stopping: bool = False

    # --- authentication failures ---------------------------------------------------------
    def is_banned(self, address: str) -> bool:
        until = self.banned.get(address)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self.banned[address]
            return False
        return True

    def failed(self, address: str) -> None:
        now = time.monotonic()
        recent = self.failures[address]
        recent.append(now)
        while recent and now - recent[0] > 60:
            recent.popleft()
        if len(recent) >= self.settings.serve_auth_failures:
            self.banned[address] = now + self.settings.serve_ban_seconds
            recent.clear()
            log.warning(
                "client %s: %d failed logins in a minute, refused for %.0f s",
                address,
                self.settings.serve_auth_failures,
                self.settings.serve_ban_seconds,
            )

    # --- reload ----------------------------------------------------------------------------
    def reload(self) -> None:
        """SIGHUP: read the operators file again; sessions whose operator or key went away
        (or whose role changed) end. A file with problems changes nothing."""
        try:
            fresh = load_operators(self.operators_path)
        except OperatorsError as exc:
            log.error("reload refused, the operators file has problems: %s", exc)
            return
        self.operators = fresh
        for session in list(self.sessions):
            who = fresh.who(session.fingerprint)
            if who is None or who.name != session.operator or who.role != session.role:
                session.end(self.spawner, "your access changed: log in again")
        log.info("operators reloaded: %d operators", len(fresh.by_name))

    def child_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k in PASSED_ENV or k.startswith("ORDERVIEW_")}
        env.pop("ORDERVIEW_OPERATOR", None)
        env["ORDERVIEW_DB"] = self.settings.db  # not in argv: a URL may hold a password
        env["ORDERVIEW_DB_POOL"] = str(self.settings.serve_db_pool)
        env.setdefault("LANG", "C.UTF-8")
        return env


class DeskConnection(asyncssh.SSHServer):
    """One client connection: public keys only, the user name must be the key's operator."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.username = ""
        self.operator: Operator | None = None
        self.fingerprint = ""
        self.authenticated = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?",)
        self.address = str(peer[0])
        self.desk.connections[conn] = self
        log.info("connection from %s", self.address)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.desk.connections.pop(self.conn, None)
        if not self.authenticated:
            self.desk.failed(self.address)
        log.info("connection from %s closed%s", self.address, f" ({exc})" if exc else "")

    def begin_auth(self, username: str) -> bool:
        self.username = username
        if self.desk.is_banned(self.address):
            log.warning("client %s refused: too many failed logins", self.address)
            if self.conn is not None:
                self.conn.close()
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        print_ = fingerprint(key)
        who = self.desk.operators.who(print_)
        if who is None:
            reason = "unknown key"
        elif who.name != username:
            reason = f"the key is operator {who.name}'s"
        else:
            self.operator, self.fingerprint = who, print_
            return True
        log.warning(
            "refused %s from %s with key %s: %s", _safe(username), self.address, print_, reason
        )
        return False

    def auth_completed(self) -> None:
        self.authenticated = True
        assert self.operator is not None
        log.info(
            "accepted %s (%s) from %s with key %s",
            self.operator.name,
            self.operator.role,
            self.address,
            self.fingerprint,
        )


def _safe(text: str) -> str:
    from orderview.safetext import visible

    return visible(text, max_length=64)


def _limit_problem(desk: Desk, name: str) -> str | None:
    if len(desk.sessions) >= desk.settings.serve_max_sessions:
        return f"the server has its maximum of {desk.settings.serve_max_sessions} sessions"
    mine = sum(1 for s in desk.sessions if s.operator == name)
    if mine >= desk.settings.serve_max_sessions_per_operator:
        return (
            f"{name} has {mine} sessions open, the most one operator may have "
            f"({desk.settings.serve_max_sessions_per_operator})"
        )
    return None


async def handle(desk: Desk, process: asyncssh.SSHServerProcess[bytes]) -> None:
    """One session channel: a terminal session or an exec request."""
    conn = process.get_extra_info("connection")
    client = desk.connections.get(conn)
    who = client.operator if client else None
    if client is None or who is None or desk.stopping:
        process.exit(1)
        return
    problem = _limit_problem(desk, who.name)
    argv: list[str] = []
    if problem is None and process.command is not None:
        try:
            argv = exec_policy.parse(process.command)
        except exec_policy.Refused as exc:
            problem = str(exc)
    elif problem is None and process.get_terminal_type() is None:
        problem = "the app needs a terminal: connect with ssh -t, or give a command"
    if problem is not None:
        process.stderr.write(f"orderview: {problem}\r\n".encode())
        log.warning("session of %s from %s refused: %s", who.name, client.address, problem)
        process.exit(2)
        return
    session = Session(who.name, who.role, client.fingerprint, client.address, process)
    desk.sessions.add(session)
    request: dict[str, Any] = {
        "argv": [*desk.base_args, *argv],
        "actor": {
            "name": who.name,
            "role": who.role,
            "fingerprint": client.fingerprint,
            "address": client.address,
        },
        "env": terminal_env(desk.child_env(), process.get_terminal_type()),
    }
    what = "command " + " ".join(argv)[:80] if argv else "app"
    log.info("session of %s from %s: %s started", who.name, client.address, _safe(what))
    status = 1
    try:
        runner = run_command if argv else run_terminal
        status = await runner(session, desk.spawner, request)
    except SpawnerGone as exc:
        process.stderr.write(f"orderview: {exc}\r\n".encode())
    finally:
        desk.sessions.discard(session)
        took = time.monotonic() - session.started
        log.info(
            "session of %s from %s ended: status %s, %.1f s, %d bytes sent%s",
            who.name,
            client.address,
            status,
            took,
            session.bytes_sent,
            f" ({session.ended_because})" if session.ended_because else "",
        )
    with contextlib.suppress(Exception):
        if session.ended_because and not argv:
            process.stdout.write(
                f"\r\norderview: session ended: {session.ended_because}\r\n".encode()
            )
        process.exit(status if 0 <= status < 256 else 1)


async def watch_idle(desk: Desk) -> None:
    """End terminal sessions that had no input for ``serve_idle_timeout`` seconds."""
    limit = desk.settings.serve_idle_timeout
    if not limit:
        return
    while True:
        await asyncio.sleep(max(1.0, min(30.0, limit / 4)))
        now = time.monotonic()
        for session in list(desk.sessions):
            if session.master is not None and now - session.last_input > limit:
                session.end(desk.spawner, f"no input for {limit:.0f} s")


async def shut_down(desk: Desk, server: asyncssh.SSHAcceptor) -> None:
    """SIGTERM: no new connections; sessions are told and given ``serve_shutdown_grace``."""
    desk.stopping = True
    server.close()
    log.info("stopping: %d sessions to end", len(desk.sessions))
    for session in list(desk.sessions):
        session.end(desk.spawner, "the server is shutting down")
    deadline = time.monotonic() + desk.settings.serve_shutdown_grace
    while desk.sessions and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for pid in desk.spawner.pids():
        desk.spawner.signal(pid, signal.SIGKILL)
    for conn in list(desk.connections):
        conn.close()
    await desk.spawner.stop()


async def serve(
    desk: Desk,
    host: str,
    port: int,
    host_key: asyncssh.SSHKey,
    started: asyncio.Future[int] | None = None,
) -> None:
    """Run until SIGTERM or SIGINT. ``started`` gets the port (useful with port 0)."""
    await desk.spawner.start()
    server = await asyncssh.create_server(
        lambda: DeskConnection(desk),
        host,
        port,
        server_host_keys=[host_key],
        process_factory=lambda process: handle(desk, process),
        encoding=None,
        line_editor=False,
        allow_pty=True,
        x11_forwarding=False,
        agent_forwarding=False,
        allow_scp=False,
        login_timeout=desk.settings.serve_login_grace,
        keepalive_interval=60,
        keepalive_count_max=3,
    )
    bound = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGHUP, desk.reload)
    log.info("listening on %s:%d", host, bound)
    if started is not None and not started.done():
        started.set_result(bound)
    idle = asyncio.create_task(watch_idle(desk))
    try:
        await stop.wait()
    finally:
        idle.cancel()
        await shut_down(desk, server)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        log.info("stopped")
