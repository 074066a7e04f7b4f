"""The hostile corpus through the services on both databases: saved into every text field, read
back unchanged, found by prefix search, and exported with formulas neutralised.

Strings with control characters are refused by every dialog's schema (see
test_properties_services.py); here they are written straight through the ORM, the way an import
by another system would store them, to prove the export still neutralises them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orderview.csv_formula import is_formula
from orderview.csv_formula import neutralise as neutral
from orderview.db.engine import Database
from orderview.db.models import Customer, Order
from orderview.export import COLUMNS, export_to_file
from orderview.services import customers, issuing, managers, order_create, order_edit, orders
from orderview.services.normalize import customer_keys, lc
from orderview.settings import Settings
from tests import factories as f
from tests.hostile_corpus import CORPUS, FORMULA, PRINTABLE, fit


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def test_corpus_saved_read_back_found_and_exported(db: Database, tmp_path: Path) -> None:
    product_id, _ = await f.add_product(db, "APP")
    conf = Settings(db=str(db.url), plan="enterprise")
    for i, (name, text) in enumerate(PRINTABLE):
        oid = await f.add_order(db, f"ORD-H{i:02d}")
        detail = await order_edit.update_order(
            db,
            "tester",
            oid,
            1,
            {
                "reference": fit(text, 100),
                "campaign_params": fit(text, 500),
                "download_id": fit(text, 100),
            },
        )
        assert (detail.reference, detail.campaign_params, detail.download_id) == (
            fit(text, 100),
            fit(text, 500),
            fit(text, 100),
        ), name
        values = {
            "email": f"h{i}@example.com",
            "first_name": fit(text, 100),
            "last_name": fit(text, 100),
            "company_name": fit(text, 200),
            "reference": fit(text, 100),
            "address": fit(text, 300),
            "city": fit(text, 100),
            "state": fit(text, 100),
        }
        detail = await customers.create_customer(db, "tester", oid, detail.version, values)
        assert detail.customer is not None
        assert {k: getattr(detail.customer, k) for k in values} == values, name
        await managers.add_manager(
            db,
            conf,
            oid,
            {
                "email": f"m{i}@example.com",
                "first_name": fit(text, 100),
                "last_name": fit(text, 100),
                "send_invite": False,
            },
            actor="tester",
        )
        shown = await orders.get_order(db, oid)
        assert shown.managers[0].first_name == fit(text, 100), name
        await issuing.issue_licenses(
            db,
            "tester",
            oid,
            [
                issuing.LineInput(
                    product_id=product_id, values={"note": fit(text, 2000)}, quantity=1
                )
            ],
        )

        # search finds it by a prefix of every searchable field
        prefix = fit(text, 6)
        if lc(prefix):
            found = [o.id for o in (await orders.search_orders(db, prefix)).items]
            assert oid in found, (name, prefix)
            picked = await customers.search_customers(db, prefix)
            assert detail.customer.id in [c.id for c in picked.items], name

        # the export has it verbatim, or neutralised when a spreadsheet would run it
        out = tmp_path / f"{i}.csv"
        await export_to_file(db, oid, out, actor="tester")
        (row,) = read_csv(out)
        for column in (
            "order__reference",
            "order__campaign_params",
            "order__download_id",
            "customer__first_name",
            "customer__company_name",
            "customer__city",
            "license__note",
        ):
            assert row[column] in {neutral(fit(text, n)) for n in (100, 200, 500, 2000)}, (
                name,
                column,
            )
        assert row["license__note"] == neutral(fit(text, 2000)), name
        assert not any(is_formula(v) for v in row.values()), name
    history = await orders.search_orders(db, "'; DROP")
    assert [o.store_id for o in history.items] != []  # the table is still there, and found


async def test_imported_control_characters_are_exported_neutralised(
    db: Database, tmp_path: Path
) -> None:
    """Values an import put in the database unchecked: the CSV keeps them (quoted, so one
    cell stays one cell) and neutralises every formula, tab- and CR-prefixed ones included."""
    strings = [t for _, t in CORPUS if not (db.dialect == "postgresql" and "\x00" in t)]
    async with db.sessions.begin() as s:
        for i, text in enumerate(strings):
            c = Customer(
                email=f"i{i}@example.com",
                company_name=text[:200],
                city=text[:100],
                **customer_keys(f"i{i}@example.com", "", "", text[:200]),
            )
            s.add(c)
            await s.flush()
            s.add(
                Order(
                    store_id=f"IMP-{i:02d}",
                    store_id_lc=f"imp-{i:02d}",
                    reference=text[:100],
                    reference_lc=lc(text[:100]),
                    customer_id=c.id,
                    campaign_params=text[:500],
                )
            )
    async with db.sessions() as s:
        from sqlalchemy import select

        ids = list(await s.scalars(select(Order.id).order_by(Order.store_id)))
    for i, (oid, text) in enumerate(zip(ids, strings, strict=True)):
        out = tmp_path / f"imp{i}.csv"
        await export_to_file(db, oid, out, actor="tester")
        rows = read_csv(out)
        assert len(rows) == 1 and list(rows[0]) == list(COLUMNS)
        assert rows[0]["order__reference"] == neutral(text[:100])
        assert rows[0]["customer__company_name"] == neutral(text[:200])
        assert not any(is_formula(v) for v in rows[0].values())
    formulas = {t for _, t in FORMULA}
    assert {"\t=1+1", "\r=1+1", "+1", "-1"} <= formulas  # the corpus covers every prefix


async def test_corpus_as_order_ids(db: Database, tmp_path: Path) -> None:
    """Every printable corpus string as an Order ID (the wizard's first step): stored, found by
    search as the exact match first, and exported under a safe default file name."""
    from orderview.export import default_filename

    for name, text in PRINTABLE:
        store_id = fit(text, 100).strip()
        created = await order_create.create_order(db, "tester", {"store_id": store_id})
        assert created.order.store_id == store_id, name
        found = (await orders.search_orders(db, store_id)).items
        assert found and found[0].id == created.order.id, name
        filename = default_filename(store_id)
        assert "/" not in filename and not filename.startswith(".") and ".." not in filename
        out = tmp_path / filename  # several IDs share the fallback name: the UI asks first
        await export_to_file(db, created.order.id, out, overwrite=True, actor="tester")
        assert out.parent == tmp_path and read_csv(out)[0]["order__store_id"] == neutral(store_id)
