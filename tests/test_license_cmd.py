"""``orderview license show|disable|enable|reset|set`` through the real command line."""

from __future__ import annotations

import asyncio
import json

from orderview.cli import exit_codes, main
from orderview.services import licenses
from tests.license_support import KEY, add_devices, license_with_devices


async def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def test_show_text_and_json(db, db_url, capsys) -> None:
    await license_with_devices(db)
    code, out, _ = await _cli(capsys, "license", "show", KEY.lower(), "--db", db_url)
    assert code == 0
    assert f"Key:         {KEY}" in out and "Activations: 2 used / 3 allowed" in out
    assert "Devices (2)" in out and "build-vm-7" in out and "vm: yes" in out
    code, out, _ = await _cli(capsys, "license", "show", KEY, "--json", "--db", db_url)
    doc = json.loads(out)
    assert doc["license_key"] == KEY and doc["order"] == "ORD-1001"
    assert doc["times_activated"] == 2 and doc["validity_period"] == "2030-01-15"
    assert [d["hostname"] for d in doc["devices"]] == ["ada-laptop", "build-vm-7"]
    code, _, err = await _cli(capsys, "license", "show", "AAAA-BBBB-CCCC-DDDD", "--db", db_url)
    assert code == exit_codes.NOT_FOUND
    assert err == "orderview: error: no license with key 'AAAA-BBBB-CCCC-DDDD'\n"


async def test_every_action_from_the_command_line(db, db_url, capsys) -> None:
    license_id = await license_with_devices(db)
    run = ("--db", db_url, "--operator", "carol")
    code, out, _ = await _cli(capsys, "license", "disable", KEY, *run)
    assert (code, out) == (0, f"disabled {KEY}\n")
    assert not (await licenses.get_license(db, license_id)).enabled
    code, out, _ = await _cli(capsys, "license", "enable", KEY, *run)
    assert (code, out) == (0, f"enabled {KEY}\n")
    code, out, _ = await _cli(
        capsys, "license", "reset", KEY, "--device", "ffeeddccbbaa99887766554433221100", *run
    )
    assert (code, out) == (0, f"{KEY}: released device ffeeddccbbaa99887766554433221100\n")
    code, _, err = await _cli(capsys, "license", "reset", KEY, "--device", "nope", *run)
    assert code == exit_codes.NOT_FOUND and "no longer active" in err and err.count("\n") == 1
    code, out, _ = await _cli(capsys, "license", "reset", KEY, *run)
    assert (code, out) == (0, f"{KEY}: reset activations: 1 device(s) released\n")
    code, out, _ = await _cli(
        capsys,
        "license",
        "set",
        KEY,
        "--note",
        "by cli",
        "--max-activations",
        "unlimited",
        "--max-transfers",
        "6",
        "--valid-until",
        "2031-12-31",
        "--extend-maintenance",
        "1y",
        *run,
    )
    assert (code, out) == (0, f"changed {KEY}\n")
    detail = await licenses.get_license(db, license_id)
    assert detail.note == "by cli" and detail.values["allow_unlimited_activations"]
    assert (
        detail.values["max_transfers"] == 6
        and str(detail.values["validity_period"]) == "2031-12-31"
    )
    assert str(detail.values["maintenance_period"]) == "2031-06-01"
    assert detail.values["times_activated"] == 0 and detail.values["transfer_count"] == 1
    history = await licenses.license_history(db, license_id)
    assert {e.operator for e in history.items} == {"carol"} and len(history.items) == 5


async def test_mistakes_are_one_line(sqlite_db, sqlite_path, capsys) -> None:
    await license_with_devices(sqlite_db)
    run = ("--db", str(sqlite_path))
    code, _, err = await _cli(capsys, "license", "set", KEY, "--extend", "2w", *run)
    assert code == 1 and err == (
        "orderview: error: --extend: enter a number and d, m or y (e.g. 30d, 6m, 1y)\n"
    )
    code, _, err = await _cli(capsys, "license", "set", KEY, *run)
    assert code == 2 and err.startswith("orderview: error: nothing to change")
    code, _, err = await _cli(capsys, "license", "set", KEY, "--max-activations", "1", *run)
    assert code == 1 and "2 devices are active" in err
    code, _, err = await _cli(capsys, "license", "show", "someone@example.com", *run)
    assert code == exit_codes.NOT_FOUND and "--order" in err and "Traceback" not in err
    code, _, err = await _cli(
        capsys, "license", "disable", KEY, *run, "--config", str(sqlite_path.parent / "viewer.toml")
    )
    assert code == 2  # a missing config file
    (sqlite_path.parent / "viewer.toml").write_text('role = "viewer"\n')
    code, _, err = await _cli(
        capsys, "license", "disable", KEY, *run, "--config", str(sqlite_path.parent / "viewer.toml")
    )
    assert (code, err) == (77, "orderview: error: viewer: changing licenses is not allowed\n")


async def test_a_user_based_license_by_email_and_order(sqlite_db, sqlite_path, capsys) -> None:
    from tests import factories as f

    product, policy = await f.add_product(sqlite_db, "FJORD", "Fjord", method="user")
    order = await f.add_order(sqlite_db, "ORD-7")
    async with sqlite_db.sessions.begin() as s:
        from orderview.db.models import License

        lic = License(
            order_id=order,
            product_id=product,
            policy_id=policy,
            user_email="Kim@Example.com",
            created_at=f.T0,
            updated_at=f.T0,
        )
        s.add(lic)
        await s.flush()
        license_id = lic.id
    await add_devices(sqlite_db, license_id, [("abc", "kim-mac", "macOS 15", False)])
    code, out, _ = await _cli(
        capsys,
        "license",
        "show",
        "kim@example.com",
        "--order",
        "ORD-7",
        "--json",
        "--db",
        str(sqlite_path),
    )
    assert code == 0 and json.loads(out)["user_email"] == "Kim@Example.com"
