"""Errors services raise; each carries a message fit to show an operator as is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ServiceError(Exception):
    """Base: ``str(exc)`` is a clear one-line message for the operator."""


class NotFound(ServiceError):
    pass


class DatabaseUnavailable(ServiceError):
    pass


READ_ONLY = "read-only: changes are off"


class ReadOnlyDatabase(DatabaseUnavailable):
    """A write asked of a database opened read-only (``Database.read_only`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{READ_ONLY} ({reason})")
        self.reason = reason


class FieldErrors(ServiceError):
    """Input refused; ``errors`` maps a field name to its message (shown next to the field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class LineErrors(FieldErrors):
    """``FieldErrors`` of one product line (``line`` is 0-based), so a wizard can show them."""

    def __init__(self, line: int, errors: dict[str, str]) -> None:
        self.line = line
        super().__init__(errors)
        self.args = (f"line {line + 1}: {self.args[0]}",)


@dataclass
class Change:
    operator: str
    at: datetime
    action: str
    fields: list[str] = field(default_factory=list)


class ConflictError(ServiceError):
    """Someone else changed (or deleted) the record after the caller loaded it."""

    def __init__(self, entity: str, changes: list[Change], deleted: bool = False) -> None:
        self.entity = entity
        self.changes = changes
        self.deleted = deleted
        super().__init__(self.describe())

    def describe(self) -> str:
        if self.deleted:
            who = f" by {self.changes[-1].operator}" if self.changes else ""
            return f"This {self.entity} was deleted{who} after you opened it."
        if not self.changes:
            return f"This {self.entity} was changed by someone else after you opened it."
        parts = []
        for change in self.changes:
            fields = ", ".join(change.fields) if change.fields else change.action
            parts.append(f"{change.operator} at {change.at:%Y-%m-%d %H:%M:%S} UTC ({fields})")
        return f"This {self.entity} changed after you opened it: " + "; ".join(parts) + "."


class PreviewChanged(ConflictError):
    """What a confirmation showed is no longer so (licenses issued, a manager added, their
    state changed…): nothing was done. ``preview`` is what the confirmation must show now."""

    def __init__(self, entity: str, preview: object, message: str) -> None:
        self.preview = preview
        self.message = message
        super().__init__(entity, [])

    def describe(self) -> str:
        return self.message


class PermissionDenied(ServiceError):
    pass
