"""The operators file: who may log in to ``orderview serve``, with which keys, in which role.

```toml
[operators.alice]
role = "operator"
keys = ["ssh-ed25519 AAAA… alice@laptop"]
[operators.victor]
role = "viewer"
keys_file = "/etc/orderview/keys/victor.pub"
```

Every problem is collected, one line each, so ``orderview serve --check`` can list them all and
the server refuses to start (or to reload) on any of them: a bad key, a key that two operators
share (it would make one log in as the other), an unknown role, a name that cannot be an SSH
user name or an audit-trail operator.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from orderview.identity import operator_problem
from orderview.roles import ROLES, Role

NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


@dataclass(frozen=True)
class Operator:
    name: str
    role: Role
    fingerprints: frozenset[str]


@dataclass
class Operators:
    """The parsed file: operators by name, and which operator each key fingerprint proves."""

    by_name: dict[str, Operator] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)  # fingerprint -> operator name

    def who(self, fingerprint: str) -> Operator | None:
        name = self.by_key.get(fingerprint)
        return self.by_name.get(name) if name else None


class OperatorsError(ValueError):
    """The file cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def fingerprint(key: asyncssh.SSHKey) -> str:
    return str(key.get_fingerprint("sha256"))


def _key_text(line: str) -> str:
    """The key of an ``authorized_keys`` line, without its options (``from=…,no-pty ssh-…``)."""
    for at, word in enumerate(line.split()):
        if word.startswith(KEY_TYPES):
            return " ".join(line.split()[at:])
    return line


def _parse_key(text: str, where: str, problems: list[str]) -> str | None:
    try:
        return fingerprint(asyncssh.import_public_key(_key_text(text.strip())))
    except (asyncssh.KeyImportError, ValueError, TypeError) as exc:
        problems.append(f"{where}: not a public key ({exc})")
        return None


def _keys_of(name: str, entry: dict[str, Any], base: Path, problems: list[str]) -> list[str]:
    found: list[str] = []
    inline = entry.get("keys", [])
    if not isinstance(inline, list) or not all(isinstance(k, str) for k in inline):
        problems.append(f"operator {name}: keys must be a list of strings")
        inline = []
    for number, text in enumerate(inline, 1):
        key = _parse_key(text, f"operator {name}: key {number}", problems)
        if key:
            found.append(key)
    keys_file = entry.get("keys_file")
    if keys_file is not None:
        path = (base / str(keys_file)).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"operator {name}: cannot read keys_file {path} ({exc})")
            lines = []
        for number, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                key = _parse_key(line, f"operator {name}: {path}:{number}", problems)
                if key:
                    found.append(key)
    if not found and not any(p.startswith(f"operator {name}:") for p in problems):
        problems.append(f"operator {name}: no keys (give keys = [...] or keys_file)")
    return found


def _operator(name: str, entry: Any, base: Path, problems: list[str]) -> Operator | None:
    if not isinstance(entry, dict):
        problems.append(f"operator {name}: must be a table ([operators.{name}])")
        return None
    if not NAME.fullmatch(name) or operator_problem(name):
        problems.append(
            f"operator {name!r}: a name is 1-32 of a-z, 0-9, _ . - "
            "(the SSH user name the operator logs in with)"
        )
        return None
    unknown = sorted(set(entry) - {"role", "keys", "keys_file"})
    if unknown:
        problems.append(f"operator {name}: unknown fields {', '.join(unknown)}")
    role = entry.get("role")
    if role not in ROLES:
        problems.append(f"operator {name}: unknown role {role!r} (one of {', '.join(ROLES)})")
    keys = _keys_of(name, entry, base, problems)
    if role not in ROLES:
        return None
    return Operator(name, role, frozenset(keys))


def parse_operators(text: str, path: Path) -> Operators:
    """Parse the file's text; raise ``OperatorsError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OperatorsError(path, [f"not valid TOML ({exc})"]) from None
    problems: list[str] = []
    unknown = sorted(set(data) - {"operators"})
    if unknown:
        problems.append(f"unknown tables {', '.join(unknown)} (only [operators.NAME])")
    table = data.get("operators", {})
    if not isinstance(table, dict) or not table:
        problems.append("no operators ([operators.NAME] with role and keys)")
        table = {}
    result = Operators()
    for name, entry in table.items():
        operator = _operator(name, entry, path.parent, problems)
        if operator is None:
            continue
        result.by_name[name] = operator
        for key in sorted(operator.fingerprints):
            other = result.by_key.get(key)
            if other is not None and other != name:
                problems.append(f"operator {name}: key {key} is also operator {other}'s")
            result.by_key.setdefault(key, name)
    if problems:
        raise OperatorsError(path, problems)
    return result


def load_operators(path: Path) -> Operators:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OperatorsError(path, [f"cannot read the operators file ({reason})"]) from None
    return parse_operators(text, path)
