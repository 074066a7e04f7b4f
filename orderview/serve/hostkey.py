"""The server's host key: made on first start (ed25519, mode 0600), its fingerprint printed so
operators can check it the first time their ssh client asks."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from orderview.paths import default_db_path


def default_host_key_path() -> Path:
    """Beside the default database, in the user data directory."""
    return default_db_path().parent / "ssh_host_ed25519_key"


def load_or_create(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The key at ``path``, made there first if there is none. Returns (key, created)."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(
                f"host key {path} is readable by others (mode {mode:o}): chmod 600 it"
            )
        return asyncssh.read_private_key(str(path)), False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="orderview host key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key.export_private_key())
    return key, True


def fingerprint(key: asyncssh.SSHKey) -> str:
    return str(key.get_fingerprint("sha256"))
