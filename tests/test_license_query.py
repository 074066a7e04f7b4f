"""Finding licenses in an order (services/license_query.py), on SQLite and PostgreSQL: each
filter against a plain Python filter over every row, every sort paged forward and backward by
keyset against a Python sort, and the position counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from orderview.db.models import License
from orderview.services import license_query as lq
from orderview.services.license_query import LicenseFilter
from tests import factories

TODAY = date(2026, 6, 1)


async def _order(db):
    """36 licenses of two products: every status, user-based ones, shared dates."""
    app, _ = await factories.add_product(db, "APP", "App Pro")
    tool, _ = await factories.add_product(
        db, "TOOL", "Tool", method="user"
    )  # (the method only labels it here)
    order = await factories.add_order(db, "ORD-LQ")
    other = await factories.add_order(db, "ORD-OTHER")
    await factories.add_licenses(db, order, app, 24)
    await factories.add_licenses(db, other, app, 5)
    await factories.add_licenses(db, order, tool, 8, keys=[None] * 8)
    await factories.add_licenses(db, order, app, 4)
    async with db.sessions.begin() as s:
        ids = list(
            await s.scalars(
                select(License.id).where(License.order_id == order).order_by(License.id)
            )
        )
        for n, lid in enumerate(ids):
            values: dict[str, object] = {
                "enabled": n % 7 != 3,
                "times_activated": n % 3,
                "validity_period": (None if n % 4 == 0 else TODAY + timedelta(days=(n % 5) - 2)),
                "updated_at": factories.T0 + timedelta(minutes=(n * 7) % 11),
            }
            if 24 <= n < 32:
                email = f"User{n % 3}.{n}@Example.com"
                values.update(user_email=email, user_email_lc=email.lower())
            await s.execute(update(License).where(License.id == lid).values(**values))
    async with db.sessions() as s:
        rows = (await s.execute(select(License).where(License.order_id == order))).scalars().all()
    return order, app, tool, list(rows)


def _status(r: License) -> str:
    if not r.enabled:
        return "disabled"
    if r.validity_period is not None and r.validity_period < TODAY:
        return "expired"
    return "active" if r.times_activated > 0 else "inactive"


def _sort_key(sort: str, r: License) -> tuple[object, ...]:
    if sort == "key":
        if r.license_key is not None:
            return (0, r.license_key, r.id)
        return (1, r.user_email_lc, r.id) if r.user_email_lc is not None else (2, "", r.id)
    if sort == "expiry":
        return (0, r.validity_period, r.id) if r.validity_period else (1, TODAY, r.id)
    column = {"created": "created_at", "activity": "updated_at"}.get(sort)
    return (0, getattr(r, column), r.id) if column else (0, 0, r.id)


async def _walk(db, order, flt, limit):
    forward, after = [], None
    while True:
        page = await lq.page_filtered(db, order, flt, after=after, limit=limit, today=TODAY)
        forward += [row.id for row in page.items]
        if not page.has_more:
            break
        after = page.cursors[-1]
    backward, before = [], (99, None, 0)  # past the last segment: from the end
    while True:
        page = await lq.page_filtered(db, order, flt, before=before, limit=limit, today=TODAY)
        backward = [row.id for row in page.items] + backward
        if not page.has_more:
            break
        before = page.cursors[0]
    return forward, backward


@pytest.mark.parametrize("sort", lq.SORTS)
async def test_every_sort_pages_forward_and_back_like_a_plain_sort(db, sort) -> None:
    order, _, _, rows = await _order(db)
    expected = [r.id for r in sorted(rows, key=lambda r: _sort_key(sort, r))]
    forward, backward = await _walk(db, order, LicenseFilter(sort=sort), limit=5)
    assert forward == expected
    assert backward == expected
    # positions: up to each page's last row
    page = await lq.page_filtered(db, order, LicenseFilter(sort=sort), limit=7, today=TODAY)
    assert (
        await lq.count_filtered(
            db, order, LicenseFilter(sort=sort), up_to=page.cursors[-1], today=TODAY
        )
        == 7
    )


async def test_filters_match_a_plain_filter_and_count(db) -> None:
    await _check_filters(db)


async def test_filters_match_when_pages_walk_the_sort_index(db, monkeypatch) -> None:
    """Many matches: SQLite pages through the sort's index checking each row (the same
    results; see ``license_query._matches_up_to_dense``)."""
    monkeypatch.setattr(lq, "DENSE", 2)
    await _check_filters(db)


async def _check_filters(db) -> None:
    order, app, tool, rows = await _order(db)
    some_key = next(r.license_key for r in rows if r.license_key)
    cases = [
        (
            LicenseFilter(text=some_key[:6].lower()),
            lambda r: (r.license_key or "").startswith(some_key[:6]),
        ),
        (LicenseFilter(text="USER1."), lambda r: (r.user_email_lc or "").startswith("user1.")),
        (LicenseFilter(product_id=tool), lambda r: r.product_id == tool),
        (LicenseFilter(text="zz\x00"), lambda r: False),
    ]
    for status in lq.STATUSES:
        cases.append((LicenseFilter(status=status), lambda r, s=status: _status(r) == s))
        cases.append(
            (
                LicenseFilter(status=status, product_id=app, sort="expiry"),
                lambda r, s=status: _status(r) == s and r.product_id == app,
            )
        )
    for flt, keep in cases:
        expected = sorted((r for r in rows if keep(r)), key=lambda r: _sort_key(flt.sort, r))
        forward, backward = await _walk(db, order, flt, limit=4)
        assert forward == [r.id for r in expected], flt
        assert backward == forward, flt
        assert await lq.count_filtered(db, order, flt, today=TODAY) == len(expected), flt
        await _check_capped(db, order, flt, [r.id for r in expected])
    for status in lq.STATUSES:  # the data has every status
        assert await lq.count_filtered(db, order, LicenseFilter(status=status), today=TODAY)


async def _check_capped(db, order: int, flt: LicenseFilter, expected: list[int]) -> None:
    """The first page's capped count: exact up to the cap, the cap and "not exact" above it,
    and the same page either way."""
    n = len(expected)
    for cap in sorted({0, 2, max(n - 1, 0), n, n + 1}):
        page = await lq.page_filtered(db, order, flt, limit=4, today=TODAY, count_up_to=cap)
        assert [r.id for r in page.items] == expected[:4], (flt, cap)
        want = (n, True) if n <= cap else (cap, False)
        assert (page.total, page.total_is_exact) == want, (flt, cap)
    plain = await lq.page_filtered(db, order, flt, limit=4, today=TODAY)
    assert (plain.total, plain.total_is_exact) == (0, False)  # not asked: not counted


async def test_the_order_products_are_the_filter_choices(db) -> None:
    order, app, tool, _ = await _order(db)
    assert [(p.id, p.code) for p in await lq.order_products(db, order)] == [
        (app, "APP"),
        (tool, "TOOL"),
    ]


async def test_expired_in_an_order_without_a_past_end(db) -> None:
    """None expired while another order has expired ones (SQLite answers from one probe of
    the validity index): an empty page, counted exactly; one past end, disabled or not, counts."""
    app, _ = await factories.add_product(db, "APP", "App Pro")
    order = await factories.add_order(db, "ORD-NONE")
    other = await factories.add_order(db, "ORD-PAST")
    await factories.add_licenses(db, order, app, 6, validity_period=TODAY)  # ends today: live
    await factories.add_licenses(db, order, app, 2)  # no end
    await factories.add_licenses(db, other, app, 3, validity_period=TODAY - timedelta(days=1))
    expired = LicenseFilter(status="expired")
    page = await lq.page_filtered(db, order, expired, today=TODAY, count_up_to=lq.COUNT_CAP)
    assert (page.items, page.total, page.total_is_exact) == ([], 0, True)
    assert len((await lq.page_filtered(db, other, expired, today=TODAY)).items) == 3
    await factories.add_licenses(db, order, app, 1, validity_period=TODAY - timedelta(days=1))
    await factories.add_licenses(
        db, order, app, 1, validity_period=TODAY - timedelta(days=2), enabled=False
    )
    page = await lq.page_filtered(db, order, expired, today=TODAY, count_up_to=lq.COUNT_CAP)
    assert (len(page.items), page.total, page.total_is_exact) == (1, 1, True)
