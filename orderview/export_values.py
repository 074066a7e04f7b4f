"""What one export row holds: the columns, the stable value forms, the spreadsheet guard and
its read-back rule, and the Python formatter of the license cells.

Split from ``orderview.export`` (which reads and streams pages) because the values are one
contract with two implementations: this Python formatter, the reference, and the database's
(``orderview.export_sql``); ``tests/test_export_fast.py`` holds them to the same bytes.

Stable value forms: booleans ``true``/``false``; dates ``YYYY-MM-DD``; timestamps ISO 8601 in
UTC with seconds, ``YYYY-MM-DDTHH:MM:SSZ``; missing values empty; ``license__status`` as the app
shows it (Inactive, Active, Disabled, Expired); ``license__max_activations`` the stored number,
or ``unlimited`` for licenses that allow unlimited activations.

The spreadsheet guard is ``orderview.csv_formula`` (one rule for both paths): a cell whose
first visible character is ``= + - @`` (TAB/CR tricks too, also behind spaces, controls or
zero-width characters) gets a leading ``'``, and so does a cell that already starts with ``'``s
followed by such a formula, so that ``read_back`` returns every value exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import type_coerce
from sqlalchemy.types import NullType

from orderview.csv_formula import GUARDED, TRIGGERS, neutralise, read_back
from orderview.db.models import License, Product

COLUMNS: tuple[str, ...] = (
    "order__store_id",
    "order__reference",
    "order__type",
    "order__is_test",
    "order__is_trial",
    "order__download_id",
    "order__language",
    "order__campaign_params",
    "customer__email",
    "customer__first_name",
    "customer__last_name",
    "customer__company_name",
    "customer__phone",
    "customer__reference",
    "customer__address",
    "customer__city",
    "customer__state",
    "customer__postcode",
    "customer__country",
    "product__short_code",
    "license__license_key",
    "license__license_type",
    "license__status",
    "license__enabled",
    "license__max_activations",
    "license__times_activated",
    "license__validity_period",
    "license__start_date",
    "license__is_trial",
    "license__is_floating",
    "license__floating_users",
    "license__note",
    "license__created_at",
    # Added at the end (shared/domain.md, Export): user-based licenses and durations no
    # longer vanish from exports; the first 33 stay the import headers, in place.
    "license__user_email",
    "license__valid_duration",
    "license__maintenance_duration",
    "license__maintenance_period",
)

DANGEROUS_PREFIXES = TRIGGERS
# ``read_back`` is the guard's inverse, offered here with the guard (``export.read_back``).
__all__ = (
    "COLUMNS",
    "DANGEROUS_PREFIXES",
    "cell",
    "csv_prefix",
    "format_value",
    "license_cells",
    "neutralise",
    "read_back",
)


def format_value(value: Any) -> str:
    """The documented stable text form of one value (before neutralising)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        stamp: str = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return stamp
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell(value: Any) -> str:
    return neutralise(format_value(value))


# --- the license cells (the reference formatter) -----------------------------------------------

LICENSE_COLUMNS = (
    License.id,
    Product.short_code,
    License.license_key,
    License.license_type,
    License.enabled,
    License.validity_period,
    License.max_activations,
    License.allow_unlimited_activations,
    License.times_activated,
    License.start_date,
    License.is_trial,
    License.is_floating,
    License.floating_users,
    License.note,
    License.created_at,
    License.user_email,
    License.valid_duration,
    License.maintenance_duration,
    License.maintenance_period,
)
# The driver's values as they come (no SQLAlchemy result processing per value): the page
# formatter handles both SQLite's and PostgreSQL's forms.
RAW_LICENSE_COLUMNS = tuple(type_coerce(c, NullType()) for c in LICENSE_COLUMNS)

_BOOL = {True: "true", False: "false", None: ""}  # SQLite's 1/0 hash like True/False


def _timestamp(value: Any) -> str:
    """``created_at`` as ``YYYY-MM-DDTHH:MM:SSZ`` from either what SQLite stores (naive UTC
    text, ``YYYY-MM-DD HH:MM:SS[.ffffff]``) or a datetime (PostgreSQL)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value[:10] + "T" + value[11:19] + "Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    stamp: str = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp


def license_cells(rows: Sequence[Any], today: date) -> list[tuple[str, ...]]:
    """The 18 license cells of each row: the same forms as ``cell`` without a function call
    per cell (100,000 rows make this the hot loop; a test pins it to ``cell``).

    Rows hold the driver's values, untyped: SQLite gives dates and timestamps as ISO text and
    booleans as 1/0, PostgreSQL gives date/datetime/bool. Both format alike: ``str()`` of a
    date is its ISO form, ISO text compares like the date it spells, 1/0 index ``_BOOL``.
    Only cells whose first character is a trigger, may hide one, or is a ``'`` go through
    ``neutralise``.
    """
    lead, flag, text_today, guard = GUARDED, _BOOL, today.isoformat(), neutralise
    return [
        (
            (guard(code) if code[0] in lead else code) if code else "",
            (guard(key) if key[0] in lead else key) if key else "",
            (guard(kind) if kind[0] in lead else kind) if kind else "",
            "Disabled"
            if not enabled
            else "Expired"
            if validity is not None
            and (validity < text_today if validity.__class__ is str else validity < today)
            else "Active"
            if times > 0
            else "Inactive",
            flag[enabled],
            "unlimited"
            if unlimited
            else ""
            if most is None
            else (str(most) if most >= 0 else "'" + str(most)),
            "" if times is None else str(times) if times >= 0 else "'" + str(times),
            "" if validity is None else str(validity),
            "" if start is None else str(start),
            flag[trial],
            flag[floating],
            "" if users is None else str(users) if users >= 0 else "'" + str(users),
            (guard(note) if note[0] in lead else note) if note else "",
            created[:10] + "T" + created[11:19] + "Z"
            if created.__class__ is str
            else _timestamp(created),
            (guard(user) if user[0] in lead else user) if user else "",
            (guard(valid) if valid[0] in lead else valid) if valid else "",
            (guard(maint) if maint[0] in lead else maint) if maint else "",
            "" if until is None else str(until),
        )
        for (
            _id,
            code,
            key,
            kind,
            enabled,
            validity,
            most,
            unlimited,
            times,
            start,
            trial,
            floating,
            users,
            note,
            created,
            user,
            valid,
            maint,
            until,
        ) in rows
    ]


def csv_prefix(cells: Sequence[str]) -> str:
    """The order and customer cells as CSV text ending in a delimiter, written once and put in
    front of every license row."""
    buf = io.StringIO()
    # The same line terminator as the rows: csv quotes a field by the terminator's characters.
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue().removesuffix("\r\n") + ","
