"""``orderview outbox send|list``: deliver over real SMTP, never print a body or password."""

from __future__ import annotations

import argparse
import json

import pytest

from orderview.cli import outbox_cmd
from orderview.cli.context import CLIError, Context
from orderview.services import managers
from tests import factories
from tests.smtp_capture import SMTPServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orderview")
    outbox_cmd.register(
        parser, parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False)
    )
    return parser


async def _run(ctx: Context, *argv: str) -> int:
    args = _parser().parse_args(["outbox", *argv])
    return await args.handler(args, ctx)


async def test_send_then_list(sqlite_db, capsys):
    server = SMTPServer()
    server.start()
    try:
        ctx = Context(server.settings(), "tester", sqlite_db)
        order_id = await factories.add_order(sqlite_db)
        await managers.add_manager(
            sqlite_db, ctx.settings, order_id, {"email": "cli@example.com"}, actor="tester"
        )
        assert await _run(ctx, "list", "--json") == 0
        listed = json.loads(capsys.readouterr().out)
        assert listed["mail_configured"] is True
        assert [(m["to"], m["status"]) for m in listed["messages"]] == [
            ("cli@example.com", "queued")
        ]
        assert await _run(ctx, "send") == 0
        out = capsys.readouterr().out
        assert "cli@example.com: sent" in out
        password = server.received[0].password
        assert password not in out
        assert await _run(ctx, "list") == 0
        out = capsys.readouterr().out
        assert "sent" in out and password not in out and "Initial password" not in out
        assert await _run(ctx, "send") == 0
        assert capsys.readouterr().out.strip() == "nothing due"
    finally:
        server.stop()


async def test_send_failure_and_no_server(sqlite_db, capsys):
    down = SMTPServer()  # never started
    ctx = Context(down.settings(), "tester", sqlite_db)
    order_id = await factories.add_order(sqlite_db)
    await managers.add_manager(
        sqlite_db, ctx.settings, order_id, {"email": "d@example.com"}, actor="tester"
    )
    assert await _run(ctx, "send") == 1
    out = capsys.readouterr().out
    assert "d@example.com: failed: connection refused" in out and "wait" not in out
    # Sending again before the retry time sends nothing and says when the next try is.
    assert await _run(ctx, "send") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "nothing due"
    assert lines[1].startswith("1 message(s) wait for their next try (next at ")
    await _run(ctx, "list", "--status", "failed")
    assert "1 attempt(s), next try " in capsys.readouterr().out

    unconfigured = Context(down.settings(smtp_host=None), "tester", sqlite_db)
    with pytest.raises(CLIError, match=r"no mail server configured.*1 message"):
        await _run(unconfigured, "send")
    await _run(unconfigured, "list")
    assert "no mail server configured" in capsys.readouterr().out


async def test_list_shows_order_and_manager_and_filters_by_order_and_status(db, capsys):
    """Issue 15: ``outbox list`` names each message's order and manager, and ``--order``
    (any case, also a deleted order) and ``--status`` narrow it; both databases."""
    from orderview.services.deletion import delete_order, deletion_preview

    ctx = Context(SMTPServer().settings(smtp_host=None), "tester", db)
    first = await factories.add_order(db, "SHOP-1")
    second = await factories.add_order(db, "SHOP-2")
    for order_id, email in (
        (first, "ann@example.com"),
        (second, "bob@example.com"),
        (second, "cy@example.com"),
    ):
        await managers.add_manager(db, ctx.settings, order_id, {"email": email}, actor="t")
    assert await _run(ctx, "list") == 0
    out = capsys.readouterr().out
    assert "order SHOP-1, manager ann@example.com" in out
    assert "order SHOP-2, manager cy@example.com" in out
    assert await _run(ctx, "list", "--order", "shop-2", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["messages"]
    assert [(m["order"], m["manager"], m["to"]) for m in listed] == [
        ("SHOP-2", "cy@example.com", "cy@example.com"),
        ("SHOP-2", "bob@example.com", "bob@example.com"),
    ]
    assert await _run(ctx, "list", "--order", "SHOP-1", "--status", "sent") == 0
    assert "no mail for this order" in capsys.readouterr().out
    assert await _run(ctx, "list", "--order", "SHOP-1", "--status", "queued") == 0
    assert capsys.readouterr().out.count("ann@example.com") == 2  # to, and the manager
    with pytest.raises(CLIError, match="no order with Order ID 'NOPE'"):
        await _run(ctx, "list", "--order", "NOPE")
    preview = await deletion_preview(db, first)
    await delete_order(db, "t", first, preview.version, fingerprint=preview.fingerprint)
    assert await _run(ctx, "list", "--order", "Shop-1") == 0
    out = capsys.readouterr().out
    assert f"order #{first} (deleted), manager ann@example.com" in out
