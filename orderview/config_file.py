"""Writing one setting back to the TOML config file, touching nothing else in it.

The app remembers a choice the operator made on screen (the theme picked in the command
palette) by rewriting that one top-level key: every other line, comment and table of the file
stays as the operator wrote it, and the result must still parse as TOML with the new value, or
the file is left alone. A missing file is created 0600 (its directory 0700); an existing one
keeps its mode. The new text replaces the old in one rename, so a crash cannot leave half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path


class ConfigWriteError(OSError):
    """The setting could not be written (unreadable file, not TOML, a read-only directory)."""


def _toml_value(value: str | bool | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # a JSON string (\" \\ \uXXXX escapes) is a TOML basic string


def with_setting(text: str, key: str, value: str | bool | int) -> str:
    """``text`` (a TOML document) with top-level ``key`` set to ``value``: its line replaced
    if present (before the first table), else a line added before the first table."""
    line = f"{key} = {_toml_value(value)}"
    lines = text.splitlines(keepends=True)
    own = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    first_table = len(lines)
    for i, current in enumerate(lines):
        if re.match(r"\s*\[", current):
            first_table = i
            break
        if own.match(current):
            ending = "\n" if current.endswith("\n") else ""
            lines[i] = line + ending
            return "".join(lines)
    if first_table and lines and not lines[first_table - 1].endswith("\n"):
        lines[first_table - 1] += "\n"
    lines.insert(first_table, line + "\n")
    return "".join(lines)


def write_setting(path: Path, key: str, value: str | bool | int) -> None:
    """Set ``key`` in the config file at ``path`` (created 0600 if absent)."""
    path = path.resolve() if path.is_symlink() else path  # keep the link, change its target
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigWriteError(f"cannot read config file {path}: {exc}") from None
    new = with_setting(text, key, value)
    try:
        written = tomllib.loads(new).get(key)
    except tomllib.TOMLDecodeError:
        written = None
    if written != value:  # e.g. the key's old value spanned several lines: leave the file be
        raise ConfigWriteError(f"cannot set {key} in {path} without rewriting other lines")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(new)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigWriteError(f"cannot write config file {path}: {exc.strerror or exc}") from None
