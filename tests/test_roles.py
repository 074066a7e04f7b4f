"""Roles are enforced where the data is written: every service write refuses an actor whose
role does not allow it (``Forbidden``), writes nothing and records nothing, on both databases.
The operator the server proved (key fingerprint, address) goes into the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orderview.db.models import AuditEvent, License, Order, OrderManager
from orderview.history_text import event_json, event_lines
from orderview.roles import Actor, Forbidden, allows, require
from orderview.schemas.issuing import LineInput
from orderview.services import (
    audit,
    customers,
    deletion,
    issuing,
    manager_invites,
    managers,
    order_create,
    order_edit,
    removal,
)
from orderview.settings import Settings
from tests.factories import add_customer, add_licenses, add_manager, add_order, add_product

VIEWER = Actor("victor", "viewer", fingerprint="SHA256:v", address="10.0.0.9")
OPERATOR = Actor("olga", "operator", fingerprint="SHA256:o", address="10.0.0.7")
ADMIN = Actor("ada", "admin")


def test_the_roles_table() -> None:
    assert not allows("viewer", "export") and allows("operator", "export")
    assert not allows("operator", "delete_order") and allows("admin", "delete_order")
    assert not allows("admin", "no-such-action")
    with pytest.raises(Forbidden, match=r"^viewer: exporting is not allowed$"):
        require(VIEWER, "export")
    require("a bare local name", "delete_order")  # the local operator: the role setting's


async def _counts(db) -> tuple[int, int, int, int]:
    async with db.sessions() as s:
        return (
            await s.scalar(select(func.count()).select_from(Order)),
            await s.scalar(select(func.count()).select_from(License)),
            await s.scalar(select(func.count()).select_from(OrderManager)),
            await s.scalar(select(func.count()).select_from(AuditEvent)),
        )


async def test_a_viewer_writes_nothing(db) -> None:
    pid, pol = await add_product(db)
    cid = await add_customer(db)
    oid = await add_order(db, customer_id=cid)
    await add_licenses(db, oid, pid, 2)
    assignment_mgr = await add_manager(db, oid)
    async with db.sessions() as s:
        assignment = (
            await s.scalars(select(OrderManager).where(OrderManager.manager_id == assignment_mgr))
        ).one()
    before = await _counts(db)
    settings = Settings(plan="enterprise")
    attempts = [
        order_edit.update_order(db, VIEWER, oid, 1, {"reference": "x"}),
        customers.update_customer(db, VIEWER, cid, 1, {"first_name": "X"}),
        customers.unlink_customer(db, VIEWER, oid, 1),
        customers.create_customer(db, VIEWER, oid, 1, {"email": "n@example.com"}),
        issuing.issue_licenses(db, VIEWER, oid, [LineInput(product_id=pid, policy_id=pol)]),
        order_create.create_order(db, VIEWER, {"reference": "new"}),
        managers.add_manager(db, settings, oid, {"email": "m@example.com"}, actor=VIEWER),
        managers.update_permissions(db, settings, assignment.id, [], version=1, actor=VIEWER),
        removal.remove_manager(db, assignment.id, version=1, actor=VIEWER, fingerprint="x"),
        manager_invites.resend_invite(db, settings, assignment.id, version=1, actor=VIEWER),
        deletion.delete_order(db, VIEWER, oid, 1, fingerprint="x"),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match=r"^viewer: "):
            await attempt
    assert await _counts(db) == before


async def test_a_viewer_cannot_export_an_operator_can(db, tmp_path) -> None:
    """An export holds the license keys: the service refuses a viewer before reading."""
    import io

    from orderview import export

    oid = await add_order(db)
    with pytest.raises(Forbidden, match=r"^viewer: exporting is not allowed$"):
        await export.export_to_stream(db, oid, io.StringIO(), actor=VIEWER)
    with pytest.raises(Forbidden):
        await export.export_to_file(db, oid, tmp_path / "x.csv", actor=VIEWER)
    assert not (tmp_path / "x.csv").exists()
    out = io.StringIO()
    assert (await export.export_to_stream(db, oid, out, actor=OPERATOR)).rows == 1  # the order
    assert out.getvalue().startswith("order__store_id,")


async def test_only_an_admin_deletes_or_grants_distribution(db) -> None:
    oid = await add_order(db)
    settings = Settings(plan="enterprise")
    with pytest.raises(Forbidden, match=r"^operator: deleting orders is not allowed$"):
        await deletion.delete_order(db, OPERATOR, oid, 1, fingerprint="x")
    with pytest.raises(Forbidden, match=r"^operator: granting the distribution permissions"):
        await managers.add_manager(
            db,
            settings,
            oid,
            {"email": "m@example.com", "permissions": ["issue_license"]},
            actor=OPERATOR,
        )
    added = await managers.add_manager(
        db, settings, oid, {"email": "m@example.com"}, actor=OPERATOR
    )  # without distribution: an operator may
    version = await managers.update_permissions(
        db, settings, added.assignment_id, ["issue_license"], version=1, actor=ADMIN
    )
    assert version == 2
    preview = await deletion.deletion_preview(db, oid)
    await deletion.delete_order(db, ADMIN, oid, 1, fingerprint=preview.fingerprint)


async def test_the_audit_trail_names_the_key_and_address(db) -> None:
    oid = await add_order(db, reference="before")
    await order_edit.update_order(db, OPERATOR, oid, 1, {"reference": "after"})
    event = (await audit.order_history(db, oid)).items[0]
    assert (event.operator, event.operator_key, event.operator_address) == (
        "olga",
        "SHA256:o",
        "10.0.0.7",
    )
    assert event_lines(event)[1] == "    key SHA256:o from 10.0.0.7"
    assert event_json(event)["operator_key"] == "SHA256:o"
    await order_edit.update_order(db, "local-name", oid, 2, {"reference": "again"})
    event = (await audit.order_history(db, oid)).items[0]
    assert (event.operator, event.operator_key, event.operator_address) == (
        "local-name",
        None,
        None,
    )
