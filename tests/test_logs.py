"""The log file: private, rotating, in the user log directory; start/stop, the database with
its password masked, every committed write, mail deliveries; --log-level."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from orderview import logs
from orderview.cli import main
from orderview.mail import delivery
from orderview.redact import mask_secrets
from orderview.services import audit, managers
from orderview.settings import Settings
from tests import factories


@pytest.fixture(autouse=True)
def private_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("ORDERVIEW_LOG_LEVEL", raising=False)
    return tmp_path / "xdg-state" / "orderview" / "log" / "orderview.log"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://desk:s3cret@db.internal/orders", "postgresql://desk:***@db.internal/orders"),
        (
            "postgresql+asyncpg://u:p%40ss@h:5432/x?sslmode=require",
            "postgresql+asyncpg://u:***@h:5432/x?sslmode=require",
        ),
        (
            "postgresql://desk@h/x?password=s3cret&sslmode=require",
            "postgresql://desk@h/x?password=***&sslmode=require",
        ),
        ("--db=postgresql://a:b@h/x", "--db=postgresql://a:***@h/x"),
        ("/srv/orders.db", "/srv/orders.db"),
        ("postgresql://desk@h/x", "postgresql://desk@h/x"),
    ],
)
def test_log_lines_mask_urls(url: str, masked: str) -> None:
    assert mask_secrets(url) == masked


def test_start_stop_and_masked_database(private_dirs: Path, capsys) -> None:
    url = "postgresql://desk:s3cret@127.0.0.1:1/x"
    assert main(["search", "x", "--db", url]) != 0
    capsys.readouterr()
    text = private_dirs.read_text()
    assert "start orderview" in text and "stop exit=4" in text
    assert "refused (exit 4): cannot use database" in text  # the one line, kept
    assert "database postgresql://desk:***@127.0.0.1:1/x" in text
    assert "s3cret" not in text
    assert stat.S_IMODE(private_dirs.stat().st_mode) == 0o600


def test_every_committed_write_and_only_those(private_dirs: Path, tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "w.db")
    assert (
        main(
            [
                "order",
                "create",
                "--store-id",
                "LOG-1",
                "--reference",
                "PO-7",
                "--operator",
                "ann",
                "--db",
                db,
            ]
        )
        == 0
    )
    capsys.readouterr()
    lines = [line for line in private_dirs.read_text().splitlines() if "write by" in line]
    assert len(lines) == 1, lines
    assert "write by ann:" in lines[0] and "order LOG-1" in lines[0]


async def test_a_rolled_back_write_is_not_logged(sqlite_db, private_dirs: Path) -> None:
    logs.setup()
    with pytest.raises(RuntimeError):
        async with sqlite_db.write() as session:
            audit.record(
                session,
                actor="bob",
                action="update",
                entity="order",
                entity_id=1,
                order_store_id="RB-1",
                summary="never happened",
            )
            raise RuntimeError("rolled back")
    async with sqlite_db.write() as session:
        audit.record(
            session,
            actor="bob",
            action="update",
            entity="order",
            entity_id=2,
            order_store_id="OK-2",
            summary="happened",
        )
    text = private_dirs.read_text()
    assert "RB-1" not in text and "write by bob: update order 2 order OK-2: happened" in text


async def test_mail_deliveries_are_logged(sqlite_db, private_dirs: Path) -> None:
    logs.setup()
    settings = Settings(smtp_host="mail.invalid")
    order_id = await factories.add_order(sqlite_db)
    for email in ("m@example.com", "bad@example.com"):
        await managers.add_manager(sqlite_db, settings, order_id, {"email": email}, actor="a")

    async def sender(settings, message) -> None:
        if message["To"] == "bad@example.com":
            raise ConnectionRefusedError("refused")

    results = await delivery.deliver_due(sqlite_db, settings, sender=sender)
    assert sorted(r.ok for r in results) == [False, True]
    text = private_dirs.read_text()
    assert "to m@example.com: sent" in text
    assert "to bad@example.com: failed" in text


def test_log_level(private_dirs: Path, tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "l.db")
    assert main(["db", "upgrade", "--db", db, "--log-level", "warning"]) == 0
    capsys.readouterr()
    assert not private_dirs.exists() or "start orderview" not in private_dirs.read_text()
    assert main(["db", "upgrade", "--db", db, "--log-level", "DEBUG"]) == 0
    assert "start orderview" in private_dirs.read_text()


def test_an_unwritable_log_directory_does_not_stop_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    assert main(["db", "upgrade", "--db", str(tmp_path / "u.db")]) == 0
    assert "orderview" not in capsys.readouterr().err
