"""What the "Edit order" dialog may change, and the rules each value must meet."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from orderview.schemas.common import Line16, Line100, Line500, parse

# A BCP 47 language tag as shops send it: language, optional script, optional region
# ("en", "en-US", "pt-BR", "zh-Hant", "zh-Hant-TW", "es-419").
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$")

EDITABLE_ORDER_FIELDS = (
    "reference",
    "campaign_params",
    "download_id",
    "language",
    "is_test",
    "is_trial",
)


def normalize_language(value: str) -> str:
    """``EN_us`` -> ``en-US``: language lower, script title, region upper."""
    parts = value.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.upper())
    return "-".join(out)


class OrderChanges(BaseModel):
    """Any subset of the editable order fields; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", strict=False)

    reference: Line100 = ""
    campaign_params: Line500 = ""
    download_id: Line100 = ""
    language: Line16 = ""
    is_test: bool = False
    is_trial: bool = False

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not value:
            return ""
        value = normalize_language(value)
        if not _LANGUAGE.match(value):
            raise ValueError("must be a language code like en, en-US or pt-BR")
        return value


def validate_order_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The given fields, cleaned; raises ``FieldErrors`` naming each bad field."""
    model = parse(OrderChanges, dict(changes))
    return model.model_dump(include=set(changes))
