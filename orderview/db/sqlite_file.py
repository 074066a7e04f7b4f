"""The SQLite file on disk: private from the start, and read when it cannot be written.

It holds license keys and queued invites with initial passwords, so a new database is created
0600 in directories created 0700 (SQLite gives its ``-wal``, ``-shm`` and journal files the
database file's mode, so they follow), and an existing one readable by other users gets one
warning line.

A file on a read-only filesystem, without write permission, or in a directory where SQLite
cannot create its ``-wal``/``-shm`` files, opens read-only (``mode=ro``): reading works, every
write is refused up front with the real cause (``Database.write``). A WAL-mode file whose
``-shm`` cannot be created on a read-only filesystem opens ``immutable`` as well (without it
SQLite says "unable to open database file"), but only when no ``-wal`` holds changes that
``immutable`` would not see.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
SIDECARS = ("-wal", "-shm", "-journal")
WAL_HEADER_OFFSET = 18  # file format bytes 18-19: 2 = WAL mode


class DatabaseFileError(OSError):
    """The database file cannot be created where it was asked for (one line)."""


@dataclass(frozen=True)
class FileState:
    url: URL  # what the engine opens (a read-only URI when the file cannot be written)
    read_only: str | None = None  # why changes are off; None = writable
    warning: str | None = None  # the file is open to other users


def file_path(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for memory and ``file:`` URIs)."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    if url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and any missing parent 0700 (``mkdir(parents=True)`` would give
    the parents the umask's mode)."""
    missing: list[Path] = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            pass
        except OSError as exc:
            raise DatabaseFileError(
                f"cannot create the database directory {path}: {(exc.strerror or str(exc)).lower()}"
            ) from None


def create_private(path: Path) -> None:
    """Create an empty database file 0600 unless there is one (SQLite then uses it)."""
    if path.exists():
        return
    make_private_dirs(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseFileError(
            f"cannot create the database file {path}: {(exc.strerror or str(exc)).lower()}"
        ) from None


def _readable_by_others(path: Path) -> str | None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (
        f"the database file {path} is readable by other users (mode {mode:04o}) and holds "
        f"license keys and invite passwords: chmod 600 {path}"
    )


def _is_wal(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.seek(WAL_HEADER_OFFSET)
            return fh.read(1) == b"\x02"
    except OSError:
        return False


def read_only_reason(path: Path) -> str | None:
    """Why this existing database file cannot be written, or None. ``os.access`` is right
    here even for root: it reports a read-only filesystem and an immutable file, which root
    cannot write either (root may write a file whose mode says otherwise, and does)."""
    directory = path.parent
    if _on_read_only_filesystem(path):
        return "the database is on a read-only filesystem"
    if not os.access(path, os.W_OK):
        return f"no write permission on the database file {path}"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"no write permission on the database's directory {directory}"
    for suffix in SIDECARS:
        sidecar = Path(f"{path}{suffix}")
        if sidecar.exists() and not os.access(sidecar, os.W_OK):
            return f"no write permission on {sidecar}"
    return None


def _on_read_only_filesystem(path: Path) -> bool:
    return hasattr(os, "statvfs") and bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def _read_only_url(url: URL, path: Path) -> URL:
    query = {"mode": "ro", "uri": "true"}
    wal = Path(f"{path}-wal")
    if (
        _on_read_only_filesystem(path)
        and _is_wal(path)
        and not Path(f"{path}-shm").exists()
        and not (wal.exists() and wal.stat().st_size > 0)
    ):
        # Nothing can change it, and no -shm can be made. Only there: in a directory merely
        # closed to us, its owner could write it while we assume it never changes.
        query["immutable"] = "1"
    return url.set(database=f"file:{quote(str(path))}", query=query)


def inspect(url: URL) -> FileState:
    """How to open this SQLite URL: read-only or not, and whether to warn."""
    path = file_path(url)
    if path is None or not path.exists():
        return FileState(url)
    warning = _readable_by_others(path)
    reason = read_only_reason(path)
    if reason is None:
        return FileState(url, None, warning)
    return FileState(_read_only_url(url, path), reason, warning)
