"""The export's file, all or nothing: a 0600 temporary file beside the target, renamed over it
only once complete, and one plain line for every file-system failure.

License keys are secrets, so the file is never readable by others, and a failure (missing
directory, no permission, disk full, cancellation) never leaves a partial file. Split from
``orderview.export`` (which streams the rows) along the seam between rows and files.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
from contextlib import suppress
from pathlib import Path
from typing import IO


def describe_os_error(exc: OSError, path: Path) -> str:
    """One plain line an operator can act on."""
    reasons = {
        errno.ENOENT: "the directory does not exist",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EISDIR: "it is a directory",
        errno.EEXIST: "the file already exists",
        errno.ENAMETOOLONG: "the file name is too long",
    }
    reason = reasons.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    name = str(path)
    if len(name) > 200:  # the reason must stay readable after a 10,000-character name
        name = f"{name[:120]}…{name[-40:]} ({len(name):,} characters)"
    return f"cannot write {name}: {reason}"


def open_text(fd: int) -> IO[str]:
    """The text stream over the temporary file's descriptor (tests replace it to fail)."""
    return io.open(fd, "w", encoding="utf-8", newline="", closefd=True)  # noqa: UP020


def create_temp(target: Path) -> tuple[int, Path]:
    """A new 0600 file beside ``target`` (same directory, so the final rename is atomic)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue


def publish(temp: Path, target: Path, overwrite: bool) -> None:
    """Move the finished file into place; without ``overwrite``, never clobber (atomically)."""
    if overwrite:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # fails with EEXIST instead of replacing
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
            raise
        if target.exists():  # file systems without hard links: check, then rename
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def resolve_target(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().absolute()


def discard(temp: Path) -> None:
    with suppress(FileNotFoundError):
        os.unlink(temp)
