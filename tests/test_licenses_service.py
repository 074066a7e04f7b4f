"""One license's reads and actions on both databases: versioned, audited, role-checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from orderview.db.models import AuditEvent, Device
from orderview.roles import Actor, Forbidden
from orderview.services import license_actions, licenses
from orderview.services.errors import ConflictError, FieldErrors, NotFound
from tests.license_support import KEY, license_with_devices


async def _events(db):
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(AuditEvent).where(AuditEvent.entity == "license").order_by(AuditEvent.id)
            )
        )


async def test_reads_a_license_with_its_devices(db) -> None:
    license_id = await license_with_devices(db)
    found = await licenses.find_license(db, KEY.lower().replace("-", ""))
    assert found.id == license_id and found.order_store_id == "ORD-1001"
    assert found.product_code == "ATLAS" and found.policy_code == "std"
    assert found.status == "Active" and found.values["times_activated"] == 2
    assert [d.hostname for d in found.devices] == ["ada-laptop", "build-vm-7"]
    assert [d.is_vm for d in found.devices] == [False, True]
    with pytest.raises(NotFound):
        await licenses.find_license(db, "AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(NotFound, match="--order"):
        await licenses.find_license(db, "user@example.com")


async def test_disable_enable_are_versioned_and_audited(db) -> None:
    license_id = await license_with_devices(db)
    detail = await licenses.get_license(db, license_id)
    off = await license_actions.set_enabled(db, "alice", license_id, detail.version, False)
    assert not off.enabled and off.status == "Disabled" and off.version == detail.version + 1
    assert len(off.devices) == 2  # a disabled license keeps its devices
    on = await license_actions.set_enabled(db, "alice", license_id, off.version, True)
    assert on.enabled and on.version == off.version + 1
    events = await _events(db)
    assert [e.changes for e in events] == [{"enabled": [True, False]}, {"enabled": [False, True]}]
    assert events[0].entity_id == license_id and events[0].order_store_id == "ORD-1001"
    assert events[-1].entity_version == on.version


async def test_a_concurrent_change_is_a_conflict_naming_who(db) -> None:
    license_id = await license_with_devices(db)
    loaded = await licenses.get_license(db, license_id)
    await license_actions.update_license(db, "bob", license_id, loaded.version, {"note": "bob's"})
    with pytest.raises(ConflictError, match=r"bob at .* \(note\)"):
        await license_actions.set_enabled(db, "alice", license_id, loaded.version, False)
    with pytest.raises(ConflictError):
        await license_actions.release_devices(db, "alice", license_id, loaded.version)
    assert (await licenses.get_license(db, license_id)).enabled  # nothing changed


async def test_reset_and_release_devices(db) -> None:
    license_id = await license_with_devices(db)
    detail = await licenses.get_license(db, license_id)
    one = detail.devices[1]
    after = await license_actions.release_devices(
        db, "alice", license_id, detail.version, device_id=one.id
    )
    assert [d.hostname for d in after.devices] == ["ada-laptop"]
    assert after.values["times_activated"] == 1 and after.values["transfer_count"] == 0
    with pytest.raises(NotFound, match="no longer active"):
        await license_actions.release_devices(
            db, "alice", license_id, after.version, device_id=one.id
        )
    reset = await license_actions.release_devices(db, "alice", license_id, after.version)
    assert reset.devices == [] and reset.values["times_activated"] == 0
    assert reset.values["transfer_count"] == 1 and reset.status == "Inactive"
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Device.id))) == 0
    events = await _events(db)
    assert events[0].changes == {"times_activated": [2, 1]}
    assert events[0].snapshot["released"][0]["hostname"] == "build-vm-7"
    assert events[1].changes == {"times_activated": [1, 0], "transfer_count": [0, 1]}
    history = await licenses.license_history(db, license_id)
    assert [e.summary for e in history.items][:2] == [
        f"reset activations of {KEY}: 1 device(s) released",
        f"released device build-vm-7 of {KEY}",
    ]


async def test_update_note_limits_and_dates(db) -> None:
    license_id = await license_with_devices(db)
    v = (await licenses.get_license(db, license_id)).version
    changed = await license_actions.update_license(
        db,
        "alice",
        license_id,
        v,
        {
            "note": "renewed by phone",
            "max_activations": "5",
            "max_transfers": "4",
            "extend": "30d",
            "maintenance_until": "2031-01-01",
        },
    )
    assert changed.note == "renewed by phone"
    assert changed.values["max_activations"] == 5 and changed.values["max_transfers"] == 4
    assert changed.values["validity_period"] == date(2030, 2, 14)
    assert changed.values["maintenance_period"] == date(2031, 1, 1)
    (event,) = await _events(db)
    assert event.changes == {
        "note": ["first note", "renewed by phone"],
        "max_activations": [3, 5],
        "max_transfers": [2, 4],
        "validity_period": ["2030-01-15", "2030-02-14"],
        "maintenance_period": ["2030-06-01", "2031-01-01"],
    }
    unlimited = await license_actions.update_license(
        db, "alice", license_id, changed.version, {"max_activations": "unlimited"}
    )
    assert unlimited.values["allow_unlimited_activations"] is True
    same = await license_actions.update_license(
        db, "alice", license_id, unlimited.version, {"note": "renewed by phone"}
    )
    assert same.version == unlimited.version  # nothing changed: no bump, no event
    assert len(await _events(db)) == 2


async def test_an_expired_license_extends_from_today(db) -> None:
    license_id = await license_with_devices(db, validity_period=date(2020, 1, 1))
    v = (await licenses.get_license(db, license_id)).version
    changed = await license_actions.update_license(db, "alice", license_id, v, {"extend": "14d"})
    assert changed.values["validity_period"] == datetime.now(UTC).date() + timedelta(days=14)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"extend": "2w"}, "extend"),
        ({"valid_until": "2030-02-30"}, "valid_until"),
        ({"extend": "1y", "valid_until": "2031-01-01"}, "valid_until"),
        ({"max_activations": "1"}, "max_activations"),  # 2 devices are active
        ({"max_activations": "0"}, "max_activations"),
        ({"max_transfers": "-3"}, "max_transfers"),
        ({"note": "bad\x1b[2J"}, "note"),
        ({"maintenance_extend": "10x"}, "maintenance_extend"),
    ],
)
async def test_bad_input_names_the_field_and_saves_nothing(db, values, field) -> None:
    license_id = await license_with_devices(db)
    v = (await licenses.get_license(db, license_id)).version
    with pytest.raises(FieldErrors) as caught:
        await license_actions.update_license(db, "alice", license_id, v, values)
    assert field in caught.value.errors
    assert (await licenses.get_license(db, license_id)).version == v
    assert await _events(db) == []


async def test_a_perpetual_license_has_no_validity_to_extend(db) -> None:
    license_id = await license_with_devices(db, license_type="perpetual", validity_period=None)
    v = (await licenses.get_license(db, license_id)).version
    with pytest.raises(FieldErrors, match="perpetual license has no validity"):
        await license_actions.update_license(db, "alice", license_id, v, {"extend": "30d"})


async def test_a_viewer_may_not_change_a_license(db) -> None:
    license_id = await license_with_devices(db)
    v = (await licenses.get_license(db, license_id)).version
    viewer = Actor("vic", "viewer")
    for call in (
        license_actions.set_enabled(db, viewer, license_id, v, False),
        license_actions.release_devices(db, viewer, license_id, v),
        license_actions.update_license(db, viewer, license_id, v, {"note": "x"}),
    ):
        with pytest.raises(Forbidden, match="viewer: changing licenses is not allowed"):
            await call
    assert await _events(db) == []


async def test_deleting_the_order_takes_its_devices(db) -> None:
    from orderview.services import deletion

    license_id = await license_with_devices(db)
    detail = await licenses.get_license(db, license_id)
    preview = await deletion.deletion_preview(db, detail.order_id)
    await deletion.delete_order(
        db, "alice", detail.order_id, expected_version=1, fingerprint=preview.fingerprint
    )
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Device.id))) == 0
    with pytest.raises(NotFound):
        await licenses.get_license(db, license_id)
    with pytest.raises(NotFound, match="deleted with its order"):  # one line on screen
        await license_actions.set_enabled(db, "bob", license_id, detail.version, False)
