"""Issuing licenses: one product line's entitlements and its identities (keys, quantity or user
emails); the New order step is ``orderview.schemas.new_order``.

Values typed by the operator override the policy; the rest are copied from it, and the merge
is validated by ``schemas/entitlements.py`` (what one license grants, its fields and rules).
This module is the line around them: pasted keys, user emails and the quantity, each checked
strictly, because a subtly wrong license reaches a customer and cannot be recalled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from orderview.keys import is_valid_key, normalize_key
from orderview.safetext import has_unsafe
from orderview.schemas.customer import check_email
from orderview.schemas.entitlements import Entitlements, clear_inapplicable, parse_entitlements
from orderview.schemas.strict_fields import (
    _NOTE_REFUSED,
    _blank,
    _strict_int,
)
from orderview.services.errors import FieldErrors

if TYPE_CHECKING:
    from orderview.services.catalog import PolicyView, ProductView

MAX_QUANTITY = 100_000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPLIT = re.compile(r"[\s,;]+")


class LineInput(BaseModel):
    """One product line as entered: ``values`` are only what the operator typed or changed."""

    model_config = ConfigDict(extra="forbid")

    product_id: int
    policy_id: int | None = None  # None = custom values (no policy)
    values: dict[str, Any] = Field(default_factory=dict)
    quantity: int | str | None = None  # None = 1; ignored when keys or emails are given
    keys: str | list[str] | None = None  # pasted keys (key-based products)
    user_emails: str | list[str] | None = None  # user-based products


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    """A validated line: what will be written, and how it differs from its policy."""

    product_id: int
    product_code: str
    product_name: str
    user_based: bool
    policy_id: int | None
    policy_code: str | None
    policy_name: str | None
    entitlements: Entitlements
    quantity: int
    keys: tuple[str, ...] = ()  # pasted keys; empty = generate ``quantity`` keys
    user_emails: tuple[str, ...] = ()
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (policy, new)

    @property
    def policy_label(self) -> str:
        return self.policy_name or "custom values"


def _tokens(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else _SPLIT.split(value)
    return [t.strip() for t in items if t and t.strip()]


def _sample(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def parse_keys(value: str | list[str] | None) -> list[str]:
    """Pasted keys, normalised; refuses bad formats and duplicates within the paste."""
    keys = [normalize_key(t) for t in _tokens(value)]
    bad = [k for k in keys if not is_valid_key(k)]
    if bad:
        raise FieldErrors({"keys": f"not a license key (XXXX-XXXX-XXXX-XXXX): {_sample(bad)}"})
    if len(keys) > MAX_QUANTITY:
        raise FieldErrors({"keys": f"at most {MAX_QUANTITY:,} keys at once"})
    dupes = _repeats(keys)
    if dupes:
        raise FieldErrors({"keys": f"pasted twice: {_sample(dupes)}"})
    return keys


def _repeats(values: list[str], fold: Callable[[str], str] = str) -> list[str]:
    """Each value met again (as ``fold`` sees it) after its first appearance, sorted."""
    seen: set[str] = set()
    again: set[str] = set()
    for value in values:
        folded = fold(value)
        if folded in seen:
            again.add(value)
        seen.add(folded)
    return sorted(again)


def _is_email(value: str) -> bool:
    """The Customer dialog's rules (``[@click=app.quit]`` has an @ and a dot, and passed the
    looser shape check as a user's email)."""
    try:
        check_email(value)
    except ValueError:
        return False
    return True


def parse_emails(value: str | list[str] | None) -> list[str]:
    """User emails, one license each; refuses malformed and repeated addresses."""
    emails = _tokens(value)
    if not emails:
        raise FieldErrors({"user_emails": "enter at least one user email"})
    bad = [
        e
        for e in emails
        if len(e) > 254 or not _is_email(e) or has_unsafe(e) or _NOTE_REFUSED.search(e)
    ]
    if bad:
        raise FieldErrors({"user_emails": f"not an email address: {_sample(bad)}"})
    if len(emails) > MAX_QUANTITY:
        raise FieldErrors({"user_emails": f"at most {MAX_QUANTITY:,} users at once"})
    dupes = _repeats(emails, str.lower)
    if dupes:
        raise FieldErrors({"user_emails": f"listed twice: {_sample(dupes)}"})
    return emails


def parse_quantity(value: int | str | None) -> int:
    if value is None:
        return 1
    try:
        quantity = _strict_int(value)
    except ValueError:
        quantity = None
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        raise FieldErrors({"quantity": f"enter a whole number from 1 to {MAX_QUANTITY:,}"})
    return quantity


def resolve_line(line: LineInput, product: ProductView, policy: PolicyView | None) -> ResolvedLine:
    """Merge the policy with the typed values, validate everything, note the differences."""
    if line.product_id != product.id:
        raise FieldErrors({"product": "the line's product does not match"})
    if policy is not None and policy.product_id != product.id:
        raise FieldErrors(
            {"policy": f"policy {policy.code} does not belong to {product.short_code}"}
        )
    base = clear_inapplicable(dict(policy.defaults)) if policy else None
    merged = {**(policy.defaults if policy else {}), **line.values}
    errors: dict[str, str] = {}
    try:
        entitlements: Entitlements | None = parse_entitlements(merged)
    except FieldErrors as exc:
        errors.update(exc.errors)
        entitlements = None
    keys: list[str] = []
    emails: list[str] = []
    quantity = 0
    try:
        if product.user_based:
            if _tokens(line.keys):
                raise FieldErrors({"keys": "this product is user-based: enter user emails"})
            emails = parse_emails(line.user_emails)
            quantity = len(emails)
        else:
            if _tokens(line.user_emails):
                raise FieldErrors({"user_emails": "this product is key-based: no user emails"})
            keys = parse_keys(line.keys)
            if keys:
                quantity = len(keys)
                typed = line.quantity if not _blank(line.quantity) else None
                if typed is not None and parse_quantity(typed) != quantity:
                    raise FieldErrors(
                        {"quantity": f"{quantity} keys pasted, quantity says {typed}"}
                    )
            else:
                quantity = parse_quantity(line.quantity)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors or entitlements is None:
        raise FieldErrors(errors)
    new = entitlements.values()
    if base is None:  # custom values: every value that says something is "different"
        differences = {n: (None, v) for n, v in new.items() if v not in (None, False, "")}
    else:
        differences = {n: (base.get(n), v) for n, v in new.items() if base.get(n) != v}
    return ResolvedLine(
        product_id=product.id,
        product_code=product.short_code,
        product_name=product.name,
        user_based=product.user_based,
        policy_id=policy.id if policy else None,
        policy_code=policy.code if policy else None,
        policy_name=policy.name if policy else None,
        entitlements=entitlements,
        quantity=quantity,
        keys=tuple(keys),
        user_emails=tuple(emails),
        differences=differences,
    )
