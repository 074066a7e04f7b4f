"""Editing an order through the service: every field, validation, conflicts, audit (both DBs)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete

from orderview.db.models import Order
from orderview.services import audit, order_edit, orders
from orderview.services.errors import ConflictError, FieldErrors, NotFound
from tests import factories as f

EDITS = [
    ("reference", "PO-2026-77"),
    ("campaign_params", "cpg=web,src=google.com"),
    ("download_id", "DL-42"),
    ("language", "pt-BR"),
    ("is_test", True),
    ("is_trial", True),
]


@pytest.mark.parametrize(("field", "value"), EDITS)
async def test_each_field_is_saved_versioned_and_audited(db, field: str, value: object) -> None:
    oid = await f.add_order(db, "ORD-1", reference="old-ref")
    before = await orders.get_order(db, oid)
    after = await order_edit.update_order(db, "alice", oid, before.version, {field: value})
    assert getattr(after, field) == value
    assert after.version == before.version + 1
    assert after.updated_at > before.updated_at
    events = (await audit.order_history(db, oid)).items
    assert len(events) == 1
    event = events[0]
    assert (event.operator, event.action, event.entity, event.entity_id) == (
        "alice",
        "updated",
        "order",
        oid,
    )
    assert event.order_id == oid and event.order_store_id == "ORD-1"
    assert event.changes == {field: [getattr(before, field), value]}


async def test_reference_search_key_follows_the_edit(db) -> None:
    oid = await f.add_order(db, "ORD-1", reference="old")
    await order_edit.update_order(db, "alice", oid, 1, {"reference": "New-Ref [Ltd]"})
    found = await orders.search_orders(db, "new-ref [l")
    assert [s.id for s in found.items] == [oid]
    assert (await orders.search_orders(db, "old")).items == []


async def test_unchanged_values_write_nothing(db) -> None:
    oid = await f.add_order(db, "ORD-1", reference="same")
    detail = await order_edit.update_order(db, "alice", oid, 1, {"reference": "same"})
    assert detail.version == 1
    assert (await audit.order_history(db, oid)).items == []


BAD = [
    ("reference", "x" * 101, "at most 100"),
    ("reference", "line\nbreak", "control characters"),
    ("campaign_params", "c" * 501, "at most 500"),
    ("campaign_params", "a\tb", "control characters"),
    ("download_id", "d" * 101, "at most 100"),
    ("download_id", "\x1b[2J", "control characters"),
    ("language", "english", "language code"),
    ("language", "en-usa", "language code"),
    ("is_test", "perhaps", "yes or no"),
    ("is_trial", "perhaps", "yes or no"),
    ("store_id", "NEW", "not a field"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
async def test_each_bad_value_is_refused_and_nothing_saved(db, field, value, message) -> None:
    oid = await f.add_order(db, "ORD-1", reference="keep")
    with pytest.raises(FieldErrors) as info:
        await order_edit.update_order(db, "alice", oid, 1, {"reference": "changed", field: value})
    assert list(info.value.errors) == [field]
    assert message in info.value.errors[field]
    detail = await orders.get_order(db, oid)
    assert detail.reference == "keep" and detail.version == 1
    assert (await audit.order_history(db, oid)).items == []


async def test_language_is_normalised() -> None:
    from orderview.schemas.order import validate_order_changes

    assert validate_order_changes({"language": "EN_us"}) == {"language": "en-US"}
    assert validate_order_changes({"language": "zh-hant-tw"}) == {"language": "zh-Hant-TW"}
    assert validate_order_changes({"language": "es-419"}) == {"language": "es-419"}
    assert validate_order_changes({"language": ""}) == {"language": ""}


async def test_stale_save_is_refused_naming_who_and_which_fields(db) -> None:
    oid = await f.add_order(db, "ORD-1", reference="original")
    alice_view = await orders.get_order(db, oid)
    bob_view = await orders.get_order(db, oid)
    await order_edit.update_order(
        db, "bob@10.0.0.7", oid, bob_view.version, {"reference": "bob's", "is_test": True}
    )
    with pytest.raises(ConflictError) as info:
        await order_edit.update_order(
            db, "alice", oid, alice_view.version, {"reference": "alice's"}
        )
    message = str(info.value)
    assert "bob@10.0.0.7" in message and "is_test, reference" in message
    assert info.value.changes[0].operator == "bob@10.0.0.7"
    current = await orders.get_order(db, oid)
    assert current.reference == "bob's" and current.version == 2
    assert [e.operator for e in (await audit.order_history(db, oid)).items] == ["bob@10.0.0.7"]


async def test_simultaneous_saves_one_wins_one_conflicts(db) -> None:
    oid = await f.add_order(db, "ORD-1")
    results = await asyncio.gather(
        order_edit.update_order(db, "alice", oid, 1, {"reference": "A"}),
        order_edit.update_order(db, "bob", oid, 1, {"reference": "B"}),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1, results
    winner = (await orders.get_order(db, oid)).reference
    assert winner in ("A", "B") and (await orders.get_order(db, oid)).version == 2
    assert ("bob" if winner == "B" else "alice") in str(conflicts[0])


async def test_deleted_order_is_a_conflict_and_the_audit_survives(db) -> None:
    oid = await f.add_order(db, "ORD-1")
    await order_edit.update_order(db, "alice", oid, 1, {"download_id": "X"})
    async with db.write() as session:
        await session.execute(delete(Order).where(Order.id == oid))
        audit.record(
            session,
            actor="carol",
            action="deleted",
            entity="order",
            entity_id=oid,
            entity_version=3,
            order_id=oid,
            order_store_id="ORD-1",
        )
    with pytest.raises(ConflictError) as info:
        await order_edit.update_order(db, "alice", oid, 2, {"download_id": "Y"})
    assert info.value.deleted and "carol" in str(info.value)
    history = (await audit.order_history(db, oid)).items
    assert [e.action for e in history] == ["deleted", "updated"]
    assert await audit.order_id_for_store_id(db, "ORD-1") == oid
    with pytest.raises(NotFound):
        await order_edit.update_order(db, "alice", 999_999, 1, {"download_id": "Z"})
