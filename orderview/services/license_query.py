"""Finding licenses inside a big order: filter, sort and keyset-page them from the database.

The Licenses tab of a 100,000-license order never holds more than a window of rows, whatever the
filter or the sort, so every sort here pages by keyset: the rows after (or before) the last one
shown, read through an index on ``(order_id, column, id)`` (migration ``0006_license_filters``).

A sort is a list of *segments* so that missing values (a user-based license has no key, a
perpetual one no validity end) sort last without ``NULLS LAST`` (which neither database's plain
index serves in both directions): the key sort is the licenses with a key by key, then those with
a user email by email, then the rest by id; expiry is the dated ones by date, then the undated by
id. A cursor is ``(segment, value, id)`` of a row.

Statuses, precisely (the same rule as ``orders.license_status``, "today" is the UTC date):

- ``disabled``: ``enabled`` is false (whatever its dates or activations);
- ``expired``: enabled, and ``validity_period`` (the validity's end) is before today;
- ``active``: enabled, not expired (no end, or an end today or later), activated at least once;
- ``inactive``: enabled, not expired, never activated (``times_activated`` = 0).

"Last activity" sorts by ``updated_at``: the licenses table has no activation time of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from orderview.db.engine import Database
from orderview.db.models import License, Product
from orderview.services.normalize import lc, unfindable
from orderview.services.order_search import starts_with
from orderview.services.orders import _LICENSE_COLUMNS, license_row
from orderview.services.views import LicenseRow

STATUSES = ("active", "inactive", "disabled", "expired")
SORTS = ("issued", "key", "created", "expiry", "activity")
SORT_LABELS = {
    "issued": "issue order",
    "key": "key",
    "created": "created",
    "expiry": "expiry",
    "activity": "last activity",
}

Cursor = tuple[int, Any, int]  # (segment, value of its column or None, license id)
LAST: Cursor = (1_000, None, 0)  # past every segment: ``before=LAST`` is the last page
DENSE = 2_000  # this many matches or more: a page walks the sort's index (``_matches_up_to_dense``)
# A filter's first page says how many match counted up to this many ("10,000+" above it): an
# exact count costs ≈0.1 µs a match on either database and no index makes it cheaper, so at
# 500,000 matches it would take longer than the page; ``count_filtered`` gives the exact one.
COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class LicenseFilter:
    """What the operator asked for; the default shows every license in issue order."""

    text: str = ""  # a license key or user email prefix, any case
    status: str | None = None  # one of STATUSES
    product_id: int | None = None
    sort: str = "issued"  # one of SORTS

    @property
    def narrows(self) -> bool:
        return bool(self.text.strip()) or self.status is not None or self.product_id is not None


@dataclass(frozen=True, slots=True)
class FilteredPage:
    items: list[LicenseRow]
    cursors: list[Cursor]  # one per item: where to page on from it
    has_more: bool
    # With ``count_up_to``: how many match, counted up to that cap; when more match than the
    # cap, ``total`` is the cap and ``total_is_exact`` false ("10,000+"). Without: 0, false.
    total: int = 0
    total_is_exact: bool = False


def _plain(column: Any) -> Any:
    """The column as a value no index serves (``coalesce(c, c)`` is ``c``): see ``DENSE``."""
    return func.coalesce(column, column)


def status_condition(status: str, today: date, indexed: bool | str = True) -> ColumnElement[bool]:
    """The rule in the module's docstring, as SQL (``indexed``: see ``conditions``)."""
    col: Callable[[Any], Any] = (lambda c: c) if indexed is True else _plain
    # ``"enabled"`` keeps ``times_activated`` too: only the state index has it, right after
    # ``enabled``, so "inactive" (= 0) and "active" (> 0) read just their part of the range.
    state: Callable[[Any], Any] = (lambda c: c) if indexed is not False else _plain
    enabled, activated = state(License.enabled), state(License.times_activated)
    end = col(License.validity_period)
    if status == "disabled":
        disabled: ColumnElement[bool] = enabled.is_(False)
        return disabled
    if status == "expired":
        return and_(enabled.is_(True), end < today)
    live = and_(enabled.is_(True), or_(end.is_(None), end >= today))
    if status == "active":
        return and_(live, activated > 0)
    if status == "inactive":
        return and_(live, activated == 0)
    raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")


def conditions(
    db: Database, order_id: int, flt: LicenseFilter, today: date, indexed: bool | str = True
) -> list[ColumnElement[bool]]:
    """The WHERE of a filter (the order, then each narrowing the operator chose).
    ``indexed=False``: the status and product terms are kept away from indexes (see DENSE);
    ``"enabled"``: all but ``enabled`` and ``times_activated``, so a count reads the covering
    state index's ``(order_id, enabled[, times_activated])`` range rather than a narrower range
    of another index that needs the table."""
    where: list[ColumnElement[bool]] = [License.order_id == order_id]
    text = flt.text.strip()
    if text:
        if unfindable(text, db.dialect):
            return [false()]
        where.append(
            or_(
                starts_with(License.license_key, text.upper()),
                starts_with(License.user_email_lc, lc(text)),
            )
        )
    if flt.status is not None:
        where.append(status_condition(flt.status, today, indexed))
    if flt.product_id is not None:
        product = License.product_id if indexed is True else _plain(License.product_id)
        where.append(product == flt.product_id)
    return where


async def _matches_up_to_dense(
    session: Any, db: Database, order_id: int, flt: LicenseFilter, today: date
) -> int | None:
    """How many licenses match, counted up to ``DENSE`` (None: not counted). Should a page walk
    the sort's index, checking status and product row by row, rather than read every match
    through the state index and sort them? Yes when matches are many (at least ``DENSE``): a
    page then stops after a few hundred rows, where sorting would read tens of thousands.
    SQLite without statistics cannot tell, so we count (capped: a few index entries).
    PostgreSQL's planner decides the dense case itself, but its statistics are the whole
    table's: in an order of 500,000 licenses none of which is expired it walked the key index
    past all of them (≈380 ms), so it counts too, for the few and the none."""
    if flt.text.strip() or (flt.status is None and flt.product_id is None):
        return None
    indexed: bool | str = "enabled" if db.dialect == "sqlite" else True
    if flt.status == "expired" and db.dialect == "sqlite":
        # Expired licenses have an end before today: when the order has none (one probe of
        # the validity index), none match, without counting the ``(order_id, enabled)`` range
        # of the state index (485,231 entries, ≈50 ms, in the 500,000-license order).
        dated = License.validity_period < today
        probe = select(License.id).where(License.order_id == order_id, dated).limit(1)
        if await session.scalar(probe) is None:
            return 0
    capped = select(License.id).where(*conditions(db, order_id, flt, today, indexed)).limit(DENSE)
    return int(await session.scalar(select(func.count()).select_from(capped.subquery())) or 0)


def _segments(sort: str) -> list[tuple[ColumnElement[bool], Any]]:
    """(which rows, their sort column or None for id only) in order; see the module."""
    if sort == "key":
        return [
            (License.license_key.is_not(None), License.license_key),
            (
                and_(License.license_key.is_(None), License.user_email_lc.is_not(None)),
                License.user_email_lc,
            ),
            (and_(License.license_key.is_(None), License.user_email_lc.is_(None)), None),
        ]
    if sort == "expiry":
        return [
            (License.validity_period.is_not(None), License.validity_period),
            (License.validity_period.is_(None), None),
        ]
    if sort == "created":
        return [(true(), License.created_at)]
    if sort == "activity":
        return [(true(), License.updated_at)]
    if sort == "issued":
        return [(true(), None)]
    raise ValueError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})")


def _value(row: Any, column: Any) -> Any:
    return None if column is None else getattr(row, column.key)


async def page_filtered(
    db: Database,
    order_id: int,
    flt: LicenseFilter,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 100,
    today: date | None = None,
    count_up_to: int | None = None,
) -> FilteredPage:
    """A page of the order's licenses that match ``flt``, in its sort: the first one, the one
    after cursor ``after``, or the one before cursor ``before`` (rows ascending either way).
    ``count_up_to`` (e.g. ``COUNT_CAP``): also how many match, counted no further than that,
    in the same session (see ``FilteredPage.total``)."""
    today = today or datetime.now(UTC).date()
    segments = _segments(flt.sort)
    backward = before is not None
    cursor = before if backward else after
    order = range(len(segments) - 1, -1, -1) if backward else range(len(segments))
    got: list[tuple[Any, Cursor]] = []
    async with db.sessions() as session:
        found = await _matches_up_to_dense(session, db, order_id, flt, today)
        if found == 0:  # none (the count read them all): no page to look for
            return FilteredPage([], [], False, 0, count_up_to is not None)
        total, exact = 0, False
        if count_up_to is not None:
            if found is not None and found < DENSE and found <= count_up_to:
                total, exact = found, True  # the dense check counted them all already
            else:
                total, exact = await _count_capped(session, db, order_id, flt, today, count_up_to)
        dense = found is not None and found >= DENSE and db.dialect == "sqlite"
        # Counted and few: read the matches through the state index and sort them; the
        # statistics are the whole table's, so in an order of 500,000 licenses either database
        # would otherwise walk a sort index past every license to find a handful.
        sparse = found is not None and found < DENSE
        indexed: bool | str = not dense
        if sparse and db.dialect == "sqlite":
            indexed = "enabled"
        where = conditions(db, order_id, flt, today, indexed=indexed)
        for index in order:
            if cursor is not None and (index > cursor[0] if backward else index < cursor[0]):
                continue
            wanted = limit + 1 - len(got)
            if wanted <= 0:
                break
            which, column = segments[index]
            keys = [License.id] if column is None else [column, License.id]
            query = (
                select(*_LICENSE_COLUMNS, *([column] if column is not None else []))
                .join(Product, Product.id == License.product_id)
                .where(*where, which)
            )
            if cursor is not None and cursor[0] == index:
                query = query.where(_beyond(column, cursor, backward))
            if flt.text.strip() or sparse:  # few matches: sort them, walk no index
                keys = [_plain(k) for k in keys]
            query = query.order_by(*(k.desc() if backward else k for k in keys)).limit(wanted)
            rows = (await session.execute(query)).all()
            got.extend((r, (index, _value(r, column), r.id)) for r in rows)
    has_more = len(got) > limit
    got = got[:limit]
    if backward:
        got.reverse()
    return FilteredPage(
        [license_row(r, today) for r, _ in got], [c for _, c in got], has_more, total, exact
    )


def _beyond(column: Any, cursor: Cursor, backward: bool) -> ColumnElement[bool]:
    """Rows strictly after (before) the cursor within its own segment."""
    _, value, last_id = cursor
    if column is None:
        return License.id < last_id if backward else License.id > last_id
    if backward:
        return or_(column < value, and_(column == value, License.id < last_id))
    return or_(column > value, and_(column == value, License.id > last_id))


def _count_where(
    db: Database, order_id: int, flt: LicenseFilter, today: date
) -> list[ColumnElement[bool]]:
    """The WHERE of a count: on SQLite a status/product count reads the state index (see
    ``conditions``)."""
    state = db.dialect == "sqlite" and not flt.text.strip()
    return conditions(db, order_id, flt, today, indexed="enabled" if state else True)


async def _count_capped(
    session: Any, db: Database, order_id: int, flt: LicenseFilter, today: date, cap: int
) -> tuple[int, bool]:
    """(how many match, exact?) counting at most ``cap`` + 1 rows: more than ``cap`` gives
    ``(cap, False)``."""
    capped = select(License.id).where(*_count_where(db, order_id, flt, today)).limit(cap + 1)
    found = int(await session.scalar(select(func.count()).select_from(capped.subquery())) or 0)
    return (cap, False) if found > cap else (found, True)


async def count_filtered(
    db: Database,
    order_id: int,
    flt: LicenseFilter,
    up_to: Cursor | None = None,
    today: date | None = None,
) -> int:
    """How many licenses match ``flt`` (with ``up_to``: how many up to and including that
    cursor's row, the position of a page: "showing 101–200 of 12,000"). Exact, so it reads
    every match (≈0.1 µs each): the Licenses tab asks for it in the background only when the
    first page's capped count (``page_filtered(count_up_to=...)``) reached its cap, and the
    bulk dialog's dry run counts the rows it reads itself."""
    today = today or datetime.now(UTC).date()
    where = _count_where(db, order_id, flt, today)
    if up_to is not None:
        segments = _segments(flt.sort)
        parts = [segments[i][0] for i in range(up_to[0])]
        which, column = segments[up_to[0]]
        parts.append(
            and_(which, or_(_beyond(column, up_to, backward=True), License.id == up_to[2]))
        )
        where.append(or_(*parts))
    async with db.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(License).where(*where))) or 0


@dataclass(frozen=True, slots=True)
class OrderProduct:
    id: int
    code: str
    name: str


async def order_products(db: Database, order_id: int) -> list[OrderProduct]:
    """The products the order's licenses are of (the product filter's choices), by code."""
    used = select(License.product_id).where(License.order_id == order_id).distinct().subquery()
    query = (
        select(Product.id, Product.short_code, Product.name)
        .where(Product.id.in_(select(used.c.product_id)))
        .order_by(Product.short_code)
    )
    async with db.sessions() as session:
        return [OrderProduct(r.id, r.short_code, r.name) for r in await session.execute(query)]
