"""Shared field rules and the one place pydantic errors become ``FieldErrors``."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationError

from orderview.safetext import has_unsafe
from orderview.services.errors import FieldErrors

M = TypeVar("M", bound=BaseModel)


def _no_controls(value: str) -> str:
    """Single-line fields refuse control characters (tabs, newlines, ESC, bidi overrides):
    they would corrupt exports and can rewrite the operator's terminal."""
    if has_unsafe(value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def single_line(max_length: int) -> Any:
    """A trimmed one-line text field of at most ``max_length`` characters (may be empty)."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_no_controls),
    ]


# ``single_line(n)`` spelled out for the lengths the schemas use: a type checker reads an
# annotation only as a type, never as a call.
_ONE_LINE = AfterValidator(_no_controls)
Line2 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2), _ONE_LINE]
Line16 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16), _ONE_LINE]
Line20 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), _ONE_LINE]
Line50 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), _ONE_LINE]
Line100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), _ONE_LINE]
Line200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), _ONE_LINE]
Line254 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), _ONE_LINE]
Line300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), _ONE_LINE]
Line500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), _ONE_LINE]

_PLAIN_MESSAGES = {
    "extra_forbidden": "is not a field that can be changed",
    "missing": "is required",
    "string_type": "must be text",
    "bool_type": "must be yes or no",
    "bool_parsing": "must be yes or no",
}


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    if kind == "string_too_long" or (kind == "too_long" and isinstance(error.get("input"), str)):
        return f"must be at most {error['ctx']['max_length']} characters"
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` with ``model``; raise ``FieldErrors`` with the first error per field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc") or ("",)
            errors.setdefault(str(loc[0]), _message(error))
        raise FieldErrors(errors) from None
