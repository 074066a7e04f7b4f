"""Search keys: lower-cased copies written beside the fields they index."""

from __future__ import annotations

import re

from orderview.safetext import has_surrogate

MAX_CHAR = "\U0010ffff"  # sorts after every other code point in UTF-8 byte order


def lc(value: str | None) -> str:
    return (value or "").strip().lower()


def customer_keys(email: str, first_name: str, last_name: str, company_name: str) -> dict[str, str]:
    return {
        "email_lc": lc(email),
        "name_lc": lc(f"{first_name} {last_name}".strip()),
        "last_name_lc": lc(last_name),
        "company_lc": lc(company_name),
    }


def unfindable(text: str, dialect: str) -> bool:
    """True for a lookup text that no stored value can hold: a lone surrogate (what non-UTF-8
    command-line bytes become: no driver can encode it) anywhere, and a NUL on PostgreSQL
    (which cannot store one; SQLite can, from an import, and finds it). Lookups answer
    "nothing found" for such a text instead of handing it to the driver, which raised."""
    if has_surrogate(text):
        return True
    return "\x00" in text and dialect == "postgresql"


def key_prefix(text: str) -> str | None:
    """A typed fragment of a license key as its stored prefix ('h4zhvl' -> 'H4ZH-VL')."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if len(compact) < 4 or len(compact) > 16 or not compact.isalnum():
        return None
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))
