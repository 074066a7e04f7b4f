"""Input of the license manager dialogs and services: validated before any write.

Email validation is our own small check (no ``email-validator`` dependency): one ASCII address
``local@domain.tld`` with nothing that could break a mail header. Names keep anything printable
(markup brackets, emoji, bidi marks are data and shown literally), but control characters are
refused: they would end up in an email body and on terminals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from orderview.permissions import PERMISSION_CODES, sort_codes
from orderview.services.errors import FieldErrors

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)"
    rf"@{_LABEL}(?:\.{_LABEL})+$"
)
# Lone surrogates (non-UTF-8 command-line bytes) cannot be stored or mailed either.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def validate_email(value: str) -> str:
    """The address, stripped; ``ValueError`` with an operator-readable message otherwise."""
    value = value.strip()
    if not value:
        raise ValueError("email is required")
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("not a valid email address (expected name@example.com)")
    return value


def _printable(value: str, limit: int) -> str:
    value = value.strip()
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if len(value) > limit:
        raise ValueError(f"at most {limit} characters")
    return value


def validate_permissions(value: Any) -> list[str]:
    codes = list(value or [])
    unknown = [str(code) for code in codes if code not in PERMISSION_CODES]
    if unknown:
        raise ValueError(f"unknown permission: {', '.join(unknown)}")
    return sort_codes(codes)


class PermissionsInput(BaseModel):
    """What "Edit permissions" sends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    permissions: list[str]

    @field_validator("permissions", mode="before")
    @classmethod
    def _permissions(cls, value: Any) -> list[str]:
        return validate_permissions(value)


class ManagerInput(BaseModel):
    """What "Add license manager" sends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str
    first_name: str = ""
    last_name: str = ""
    phone_number: str = ""
    permissions: list[str] = []
    send_invite: bool = True

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str:
        return validate_email(str(value or ""))

    @field_validator("first_name", "last_name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return _printable(str(value or ""), 100)

    @field_validator("phone_number", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str:
        phone = _printable(str(value or ""), 50)
        if phone and not re.fullmatch(r"[0-9+()./ -]+", phone):
            raise ValueError("only digits, spaces and + ( ) - . /")
        return phone

    @field_validator("permissions", mode="before")
    @classmethod
    def _permissions(cls, value: Any) -> list[str]:
        return validate_permissions(value)


def _field_errors(exc: ValidationError) -> FieldErrors:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(field, message)
    return FieldErrors(errors)


def parse_manager(data: ManagerInput | Mapping[str, Any]) -> ManagerInput:
    if isinstance(data, ManagerInput):
        return data
    try:
        return ManagerInput.model_validate(dict(data))
    except ValidationError as exc:
        raise _field_errors(exc) from None


def parse_permissions(permissions: Any) -> list[str]:
    try:
        return PermissionsInput(permissions=permissions).permissions
    except ValidationError as exc:
        raise _field_errors(exc) from None
