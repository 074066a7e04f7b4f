"""Bulk disable / enable / extend with a dry run (services/license_bulk.py), on both databases:
what the preview says, one transaction, a version bump per changed license, one audit event,
refused when a selected license changed since the preview, by role, and on a read-only database;
and 100,000 licenses in one order on SQLite (a smaller count on PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from orderview.db.models import AuditEvent, License
from orderview.roles import Actor, Forbidden
from orderview.services import license_bulk as bulk
from orderview.services.errors import FieldErrors, PreviewChanged, ReadOnlyDatabase
from orderview.services.license_query import LicenseFilter
from tests import factories

TODAY = date(2026, 6, 1)
END = date(2026, 7, 1)


async def _order(db, count=12):
    product, _ = await factories.add_product(db)
    order = await factories.add_order(db, "ORD-BULK")
    keys = await factories.add_licenses(
        db, order, product, count, validity_period=END, license_type="time-limited"
    )
    return order, keys


async def _licenses(db, order):
    async with db.sessions() as s:
        return list(
            (
                await s.execute(
                    select(License).where(License.order_id == order).order_by(License.id)
                )
            ).scalars()
        )


async def _events(db):
    async with db.sessions() as s:
        return list((await s.execute(select(AuditEvent))).scalars())


async def test_disable_chosen_licenses_after_a_dry_run(db) -> None:
    order, keys = await _order(db)
    rows = await _licenses(db, order)
    chosen = bulk.Selection(order, ids=frozenset(r.id for r in rows[:5]))
    change = bulk.parse_change("disable")
    preview = await bulk.bulk_preview(db, chosen, change, today=TODAY)
    assert (preview.selected, preview.changing, preview.store_id) == (5, 5, "ORD-BULK")
    assert preview.sample == keys[:5]
    assert await _events(db) == []  # a dry run writes nothing
    result = await bulk.bulk_apply(
        db, Actor("olga", "operator"), chosen, change, preview.fingerprint, today=TODAY
    )
    assert result.changed == 5
    after = await _licenses(db, order)
    assert [(r.enabled, r.version) for r in after] == [(False, 2)] * 5 + [(True, 1)] * 7
    (event,) = await _events(db)
    assert (event.action, event.entity, event.order_id, event.operator) == (
        "bulk disable",
        "licenses",
        order,
        "olga",
    )
    assert event.changes == {"enabled": [True, False]}
    assert event.snapshot == {"count": 5, "selected": 5, "sample": keys[:5]}
    assert "5 of 5" in event.summary
    # Again: nothing left to change, and the preview says so.
    again = await bulk.bulk_preview(db, chosen, change, today=TODAY)
    assert (again.selected, again.changing, again.unchanged) == (5, 0, 5)


async def test_enable_and_extend_all_that_match_a_filter(db) -> None:
    order, _keys = await _order(db)
    rows = await _licenses(db, order)
    async with db.sessions.begin() as s:
        await s.execute(
            update(License).where(License.id.in_([r.id for r in rows[:3]])).values(enabled=False)
        )
        await s.execute(
            update(License)
            .where(License.id == rows[11].id)
            .values(validity_period=None, license_type="perpetual")
        )
    disabled = bulk.Selection(order, match=LicenseFilter(status="disabled"))
    change = bulk.parse_change("enable")
    preview = await bulk.bulk_preview(db, disabled, change, today=TODAY)
    assert (preview.selected, preview.changing) == (3, 3)
    await bulk.bulk_apply(db, "ada", disabled, change, preview.fingerprint, today=TODAY)
    assert all(r.enabled for r in await _licenses(db, order))

    everything = bulk.Selection(order, match=LicenseFilter())
    by_30d = bulk.parse_change("extend", extend="30D")
    preview = await bulk.bulk_preview(db, everything, by_30d, today=TODAY)
    assert (preview.selected, preview.changing) == (12, 11)  # the perpetual one has no end
    await bulk.bulk_apply(db, "ada", everything, by_30d, preview.fingerprint, today=TODAY)
    after = await _licenses(db, order)
    assert [r.validity_period for r in after] == [END + timedelta(days=30)] * 11 + [None]
    assert [r.version for r in after] == [3, 3, 3] + [2] * 8 + [1]
    to_date = bulk.parse_change("extend", until="2027-01-31")
    preview = await bulk.bulk_preview(db, everything, to_date, today=TODAY)
    await bulk.bulk_apply(db, "ada", everything, to_date, preview.fingerprint, today=TODAY)
    assert {r.validity_period for r in await _licenses(db, order)} == {date(2027, 1, 31), None}
    events = await _events(db)
    assert [e.action for e in events] == ["bulk enable", "bulk extend", "bulk extend"]
    assert events[1].changes == {"validity_period": ["2026-07-01", "+30d"]}
    assert events[2].changes == {"validity_period": ["2026-07-31", "2027-01-31"]}


def test_the_extension_is_validated_like_issuing() -> None:
    for extend, until, field in (
        ("30", "", "extend"),
        ("", "2026-02-30", "until"),
        ("", "", "extend"),
        ("30d", "2027-01-01", "extend"),
        ("0d", "", "extend"),
    ):
        with pytest.raises(FieldErrors) as caught:
            bulk.parse_change("extend", extend=extend, until=until)
        assert field in caught.value.errors
    with pytest.raises(FieldErrors):
        bulk.parse_change("delete")


async def test_refused_when_a_selected_license_changed_since_the_preview(db) -> None:
    order, _ = await _order(db)
    rows = await _licenses(db, order)
    for selection in (
        bulk.Selection(order, ids=frozenset(r.id for r in rows)),
        bulk.Selection(order, match=LicenseFilter(status="inactive")),
    ):
        change = bulk.parse_change("disable")
        preview = await bulk.bulk_preview(db, selection, change, today=TODAY)
        async with db.sessions.begin() as s:  # another desk changes one license
            await s.execute(
                update(License)
                .where(License.id == rows[4].id)
                .values(version=License.version + 1, note="changed")
            )
        with pytest.raises(PreviewChanged) as caught:
            await bulk.bulk_apply(db, "ada", selection, change, preview.fingerprint, today=TODAY)
        assert "nothing was changed" in str(caught.value)
        assert caught.value.preview.fingerprint != preview.fingerprint
        assert all(r.enabled for r in await _licenses(db, order))
    # A license issued into "all that match" after the preview is refused too.
    match = bulk.Selection(order, match=LicenseFilter())
    preview = await bulk.bulk_preview(db, match, bulk.parse_change("disable"), today=TODAY)
    product = rows[0].product_id
    await factories.add_licenses(db, order, product, 1)
    with pytest.raises(PreviewChanged):
        await bulk.bulk_apply(
            db, "ada", match, bulk.parse_change("disable"), preview.fingerprint, today=TODAY
        )
    assert await _events(db) == []


async def test_a_viewer_and_a_read_only_database_are_refused(db) -> None:
    order, _ = await _order(db)
    selection = bulk.Selection(order, match=LicenseFilter())
    change = bulk.parse_change("disable")
    preview = await bulk.bulk_preview(db, selection, change, today=TODAY)
    with pytest.raises(Forbidden, match="viewer: changing licenses is not allowed"):
        await bulk.bulk_apply(
            db, Actor("victor", "viewer"), selection, change, preview.fingerprint, today=TODAY
        )
    read_only = dataclasses.replace(db, read_only="a test")
    with pytest.raises(ReadOnlyDatabase):
        await bulk.bulk_apply(read_only, "ada", selection, change, preview.fingerprint, today=TODAY)
    assert all(r.enabled for r in await _licenses(db, order))
    assert await _events(db) == []


async def test_a_100000_license_order_in_one_transaction(db) -> None:
    """The issue's scale on SQLite (100,000 licenses); 5,000 on PostgreSQL."""
    count = 100_000 if db.dialect == "sqlite" else 5_000
    product, _ = await factories.add_product(db)
    order = await factories.add_order(db, "ORD-HUGE")
    await factories.add_many_licenses(db, order, product, count, validity_period=END)
    everything = bulk.Selection(order, match=LicenseFilter())
    change = bulk.parse_change("disable")
    preview = await bulk.bulk_preview(db, everything, change, today=TODAY)
    assert (preview.selected, preview.changing, len(preview.sample)) == (count, count, 10)
    result = await bulk.bulk_apply(db, "ada", everything, change, preview.fingerprint, today=TODAY)
    assert result.changed == count
    async with db.sessions() as s:
        states = (
            await s.execute(
                select(License.enabled, License.version, func.count()).group_by(
                    License.enabled, License.version
                )
            )
        ).all()
    assert [tuple(r) for r in states] == [(False, 2, count)]
    (event,) = await _events(db)
    assert event.snapshot["count"] == count
    # Extending a chosen half (ids, chunked statements) is one transaction too.
    async with db.sessions() as s:
        ids = list(
            await s.scalars(
                select(License.id)
                .where(License.order_id == order)
                .order_by(License.id)
                .limit(count // 2)
            )
        )
    half = bulk.Selection(order, ids=frozenset(ids))
    by_1y = bulk.parse_change("extend", extend="1y")
    preview = await bulk.bulk_preview(db, half, by_1y, today=TODAY)
    assert preview.changing == count // 2
    await bulk.bulk_apply(db, "ada", half, by_1y, preview.fingerprint, today=TODAY)
    async with db.sessions() as s:
        ends = (
            await s.execute(
                select(License.validity_period, func.count())
                .group_by(License.validity_period)
                .order_by(License.validity_period)
            )
        ).all()
    assert [tuple(r) for r in ends] == [(END, count // 2), (END + timedelta(days=365), count // 2)]
