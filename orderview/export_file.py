"""Where an export lands: a new 0600 file, renamed into place only once complete, and never
over anything but a regular file.

License keys are secrets, so the file is created 0600 as a temporary file beside the target and
renamed over it only when complete: a missing directory, no permission, a full disk or a
cancellation leave no partial file. An existing file is replaced only when asked
(``overwrite``, the CLI's ``--force``, the dialog's second confirmation), and only a regular
file: a device (``/dev/null``), a FIFO, a socket or a directory is refused in one line, also
behind a symlink (run as root, ``os.replace`` would swap any of them for a plain file).

Split from ``orderview.export`` (which streams the rows, ``write_new_file``'s ``fill``) along
the seam between rows and files.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import stat
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import IO

from orderview.services.errors import ServiceError


class ExportError(ServiceError):
    """The export could not be written; ``str()`` says why in one plain line."""


class ExportFileExists(ExportError):
    """The target exists and overwriting was not asked for (the UI asks a second time)."""


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


def _open_text(fd: int) -> IO[str]:
    """The text stream over the temporary file's descriptor (tests replace it to fail)."""
    return io.open(fd, "w", encoding="utf-8", newline="", closefd=True)  # noqa: UP020


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new 0600 file beside ``target`` (same directory, so the final rename is atomic)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue


def _publish(temp: Path, target: Path, overwrite: bool) -> None:
    """Move the finished file into place; without ``overwrite``, never clobber (atomically)."""
    if overwrite:
        refuse_special(target)  # again: it may have been swapped since the export began
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


_NOT_A_FILE = (
    (stat.S_ISDIR, "it is a directory"),
    (stat.S_ISCHR, "it is a device, not a regular file"),
    (stat.S_ISBLK, "it is a device, not a regular file"),
    (stat.S_ISFIFO, "it is a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "it is a socket, not a regular file"),
)


def refuse_special(target: Path) -> None:
    """``ExportError`` unless ``target`` is missing or a regular file (through symlinks): an
    export replaces only a regular file, never ``/dev/null``, a FIFO, a socket or a
    directory (as root, ``os.replace`` would swap any of them for a plain file)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    for test, reason in _NOT_A_FILE:
        if test(mode):
            hint = "" if test is stat.S_ISDIR else " (-o - writes to standard output)"
            raise ExportError(f"cannot write {target}: {reason}{hint}")
    if not stat.S_ISREG(mode):
        raise ExportError(f"cannot write {target}: it is not a regular file")


def _discard(temp: Path) -> None:
    with suppress(FileNotFoundError):
        os.unlink(temp)


async def write_new_file(
    path: str | os.PathLike[str],
    fill: Callable[[IO[str]], Awaitable[int]],
    *,
    overwrite: bool = False,
) -> tuple[Path, int]:
    """Create ``path`` (0600) with what ``fill`` writes into a text stream, all or nothing;
    returns the absolute target and what ``fill`` returned (the row count)."""
    target = resolve_target(path)
    try:  # a name past the system's limit raises here already (ENAMETOOLONG)
        refuse_special(target)
        if not overwrite and target.exists():
            raise ExportFileExists(f"{target} already exists")
    except OSError as exc:
        raise ExportError(describe_os_error(exc, target)) from None
    try:
        fd, temp = _create_temp(target)
    except OSError as exc:
        raise ExportError(describe_os_error(exc, target)) from None
    try:
        try:
            stream = _open_text(fd)
        except BaseException:
            os.close(fd)
            raise
        with stream:
            rows = await fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
        _publish(temp, target, overwrite)
    except BaseException as exc:
        _discard(temp)
        if isinstance(exc, FileExistsError):
            raise ExportFileExists(f"{target} already exists") from None
        if isinstance(exc, OSError):
            raise ExportError(describe_os_error(exc, target)) from None
        raise
    return target, rows
