"""A real ``orderview serve`` on a free local port, reached with the real OpenSSH client.

The server runs as a subprocess of the test (``python -m orderview serve``) with its own host
key, operators file and demo database; clients are ``ssh`` processes, in a pseudo-terminal when
they need one, their screen kept by pyte so tests read what an operator would see.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent
SSH = "/usr/bin/ssh"


def keygen(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(key)],
        check=True,
    )
    return key


def fingerprint(key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", f"{key}.pub"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env.update(extra)
    return env


@dataclass
class Server:
    """``orderview serve`` in the background; ``log`` collects its standard error."""

    folder: Path
    db: Path
    operators: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    log: bytearray = field(default_factory=bytearray)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderview",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--operators",
                str(self.operators),
                "--host-key",
                str(self.folder / "host_key"),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", self.log)
            if found:
                self.port = int(found.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the server did not start: {bytes(self.log)!r}")

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in iter(self.proc.stderr.readline, b""):
            self.log += line

    def wait_log(self, pattern: str, timeout: float = 20.0) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern.encode(), self.log)
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the server's log: {bytes(self.log)!r}")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def ssh_args(self, user: str, key: Path, *options: str) -> list[str]:
        return [
            SSH,
            "-p",
            str(self.port),
            "-i",
            str(key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
            *options,
            f"{user}@127.0.0.1",
        ]

    def run(
        self, user: str, key: Path, *command: str, options: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.ssh_args(user, key, *options), *command],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=clean_env(),
        )


class Terminal:
    """``ssh -tt`` in a pseudo-terminal of ``cols``×``rows``, its screen kept by pyte."""

    def __init__(self, args: list[str], cols: int = 80, rows: int = 24) -> None:
        self.master, slave = os.openpty()
        self._size(slave, cols, rows)
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.proc = subprocess.Popen(
            ["/usr/bin/ssh", "-tt", *args[1:]],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=clean_env(TERM="xterm-256color"),
            start_new_session=True,
        )
        os.close(slave)
        self.raw = bytearray()
        self.lock = threading.Lock()
        self._open = True
        threading.Thread(target=self._drain, daemon=True).start()

    @staticmethod
    def _size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _drain(self) -> None:
        while self._open:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                data = os.read(self.master, 65536) if ready else None
            except (OSError, ValueError):
                return
            if data == b"":
                return
            if data:
                with self.lock:
                    self.raw += data
                    self.stream.feed(data)

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared; the screen:\n{self.text()}")

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def resize(self, cols: int, rows: int) -> None:
        with self.lock:
            self.screen.resize(rows, cols)
        self._size(self.master, cols, rows)
        os.killpg(self.proc.pid, signal.SIGWINCH)

    def wait_exit(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        self._open = False
        with contextlib.suppress(OSError):
            os.close(self.master)
