"""The Alembic migrations produce exactly the ORM models' schema, on both backends."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orderview.cli import exit_codes
from orderview.db.migrate import HEAD, current_revision
from orderview.db.models import Base


async def test_migrated_schema_matches_models(db) -> None:
    assert await current_revision(db) == HEAD

    def compare(sync_conn) -> list:
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with db.engine.connect() as conn:
        diff = await conn.run_sync(compare)
    assert diff == []


async def test_a_database_upgraded_by_a_newer_orderview_is_refused_in_one_line(
    db, db_url, capsys
) -> None:
    """A shared database after another desk upgraded orderview: this version says so and
    leaves it alone (Alembic's "Can't locate revision" was a traceback from every command,
    the app's start and `orderview db upgrade`)."""
    import pytest
    from sqlalchemy import text

    from orderview.cli import main
    from orderview.db.migrate import SchemaTooNew, ensure_schema, upgrade

    async def set_revision(revision: str) -> None:
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})

    await set_revision("0999_future")
    try:
        with pytest.raises(SchemaTooNew, match="newer than this orderview knows"):
            await ensure_schema(db)
        with pytest.raises(SchemaTooNew):
            await upgrade(db)
        await db.engine.dispose()  # the commands below open their own connections
        for argv in (["search", "x"], ["db", "upgrade"]):
            assert (
                await asyncio.to_thread(main, [*argv, "--db", db_url]) == exit_codes.DB_UNAVAILABLE
            )
            err = capsys.readouterr().err
            assert err.startswith("orderview: error: cannot ") and err.count("\n") == 1, err
            assert "'0999_future', newer than this orderview knows" in err
            assert "Traceback" not in err
        assert await current_revision(db) == "0999_future"  # left alone
    finally:
        await set_revision(HEAD)


async def test_upgrade_from_0004_keeps_licenses_and_adds_devices(tmp_path) -> None:
    """A database at the previous head (licenses in it) upgrades to 0005: every license gets
    version 1, the devices table is there and empty, and the schema matches the models."""
    from sqlalchemy import text

    from orderview.db.engine import open_database
    from orderview.db.migrate import upgrade

    db = open_database(str(tmp_path / "old.db"))
    try:
        await upgrade(db, "0004_audit_operator_key")
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO products (id, name, short_code, authorization_method, active) "
                    "VALUES (1, 'P', 'P', 'license-key', 1)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO orders (id, store_id, store_id_lc, reference, reference_lc, "
                    "campaign_params, download_id, language, is_test, is_trial, order_type, "
                    "created_at, updated_at, version) VALUES (1, 'O', 'o', '', '', '', '', '', 0, 0, "
                    "'normal', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO licenses (order_id, product_id, license_key, license_type, "
                    "allow_unlimited_consumptions, total_consumptions, allow_overages, "
                    "reset_consumption, allow_unlimited_activations, times_activated, max_transfers, "
                    "transfer_count, prevent_vm, is_trial, is_floating, enabled, note, created_at, "
                    "updated_at) VALUES (1, 1, 'AAAA-BBBB-CCCC-DDDD', 'perpetual', 0, 0, 0, 0, 0, 0, "
                    "0, 0, 0, 0, 0, 1, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        assert await current_revision(db) == "0004_audit_operator_key"
        await upgrade(db)
        assert await current_revision(db) == HEAD
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT version FROM licenses"))).all() == [(1,)]
            assert (await conn.execute(text("SELECT count(*) FROM devices"))).scalar() == 0

            def compare(sync_conn) -> list:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(ctx, Base.metadata)

            assert await conn.run_sync(compare) == []
    finally:
        await db.dispose()
