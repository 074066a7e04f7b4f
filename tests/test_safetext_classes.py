"""JSON and text outputs are inert, all of them (issue 16, section 6).

``orderview.safetext.UNSAFE`` is the one definition of what must not reach a terminal raw: C0,
DEL, C1, bidi controls including U+061C, line/paragraph separators, tag characters and the
other invisible format characters (Cf) but the two joiners. These tests pin the classes against
Unicode's own categories, then walk every output path with one sample of every class
(``tests/hostile_corpus.py``: ``CLASS_SAMPLES``, ``EVERY_CLASS``): the TUI's screens, dialogs
and text boxes, the command line's text and ``--json`` (show, search, history, outbox, products
when present) and the CSV export to a terminal. Before, ``history --json`` wrote C1 and bidi
controls raw, ``show --json`` U+061C, and the screens U+061C, U+2028/U+2029 and tags.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from typing import Any

from orderview.screens.delete_order import DeleteOrderScreen
from orderview.screens.edit_order import EditOrderScreen
from orderview.screens.history import HistoryScreen
from orderview.screens.order import OrderScreen

import orderview.cli as cli
from orderview.db.models import MailOutbox
from orderview.safetext import UNSAFE, has_unsafe, visible, visible_in_box
from orderview.services import audit
from tests import factories as f
from tests.hostile_corpus import CLASS_SAMPLES, EVERY_CLASS, raw_samples
from tests.ui_support import loaded_order, make_app, open_dialog, screen_text, wait_for

KEPT = {"\u200c", "\u200d"}  # the joiners emoji and scripts need: text, by decision


def test_the_classes_are_unicodes() -> None:
    """Every Cc, Cf (but the joiners), Zl, Zp, tag and surrogate is unsafe; nothing else is."""
    for code in range(0x110000):
        ch = chr(code)
        category = unicodedata.category(ch)
        should = (
            category in ("Cc", "Zl", "Zp", "Cs")
            or 0xE0000 <= code <= 0xE007F
            or (category == "Cf" and ch not in KEPT)
        )
        if should:
            assert UNSAFE.fullmatch(ch), f"U+{code:04X} ({category}) is not unsafe"
            shown = visible(ch)
            assert not has_unsafe(shown) and shown.isprintable(), f"U+{code:04X}"
            assert len(visible_in_box(ch)) == 1 and visible_in_box(ch).isprintable()
        elif UNSAFE.fullmatch(ch):
            # Cf of later Unicode versions than this Python's (U+13439…U+1343F are Cf in 15)
            assert category == "Cn", f"U+{code:04X} ({category}) is unsafe but should not be"
    assert (
        visible("family 👨\u200d👩\u200d👧, نامه\u200cها")
        == "family 👨\u200d👩\u200d👧, نامه\u200cها"
    )


def test_every_sample_has_a_visible_stand_in() -> None:
    shown = visible(EVERY_CLASS)
    assert raw_samples(shown) == []
    for part in (
        "␛",
        "␇",
        "␡",
        "\\x9b",
        "<U+202E>",
        "<U+2067>",
        "<U+061C>",
        "<U+2028>",
        "<U+2029>",
        "<U+E0041>",
        "<U+E007F>",
        "<U+200B>",
        "<U+FEFF>",
        "<U+00AD>",
        "<U+2060>",
    ):
        assert part in shown, part
    assert len(CLASS_SAMPLES) == 15 and len(visible_in_box(EVERY_CLASS)) == len(EVERY_CLASS)


async def seed(db) -> int:
    """One order whose every text field, customer, manager, license note, product, audit event
    and outbox message carries ``EVERY_CLASS`` (stored as an import would: no schema takes it)."""
    product, policy = await f.add_product(db, code="P-EV", name=f"Prod {EVERY_CLASS}")
    customer = await f.add_customer(
        db, company_name=EVERY_CLASS, first_name=EVERY_CLASS, email="ev@example.com"
    )
    order = await f.add_order(
        db,
        "ORD-EV",
        reference=EVERY_CLASS,
        customer_id=customer,
        campaign_params=EVERY_CLASS,
        download_id=EVERY_CLASS,
    )
    await f.add_licenses(db, order, product, 2, policy, note=EVERY_CLASS)
    manager = await f.add_manager(db, order, "m@example.com", first_name=EVERY_CLASS)
    async with db.write() as s:
        audit.record(
            s,
            actor=f"op{EVERY_CLASS}",
            action="updated",
            entity="order",
            entity_id=order,
            entity_version=1,
            order_id=order,
            order_store_id="ORD-EV",
            summary=f"Changed {EVERY_CLASS}",
            changes={"reference": ["", EVERY_CLASS]},
        )
        s.add(
            MailOutbox(
                kind="manager_invite",
                to_address=f"{EVERY_CLASS}@example.com",
                subject=EVERY_CLASS,
                body="b",
                status="failed",
                attempts=1,
                last_error=EVERY_CLASS,
                order_id=order,
                manager_id=manager,
            )
        )
    return order


async def test_every_screen_shows_every_class_as_stand_ins(sqlite_db) -> None:
    await seed(sqlite_db)
    app = make_app(sqlite_db)
    seen: list[str] = []

    def look(where: str) -> None:
        text = screen_text(app)
        assert raw_samples(text) == [], (where, raw_samples(text))
        seen.append(text)

    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press(*"ORD-EV")
        await wait_for(
            pilot,
            lambda: "ORD-EV" in screen_text(app) and "<U+" in screen_text(app),
            what="search result",
        )
        look("orders")
        await pilot.press("enter")
        screen = await loaded_order(pilot, app)
        look("order header")
        for key, pane in (
            ("2", "customer"),
            ("3", "licenses"),
            ("4", "managers"),
            ("1", "details"),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda p=pane: screen.pane(p) is not None, what=pane)
            await pilot.pause()
            look(pane)
        await open_dialog(pilot, app, "h", HistoryScreen, "history")
        await wait_for(pilot, lambda: "Reference" in screen_text(app), what="history rows")
        look("history")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back")
        await open_dialog(pilot, app, "e", EditOrderScreen, "edit order")
        await pilot.pause()
        look("edit order (text boxes)")
        assert visible_in_box(EVERY_CLASS)[:20] in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back")
        dialog = await open_dialog(pilot, app, "D", DeleteOrderScreen, "delete")
        await wait_for(pilot, lambda: dialog.preview is not None, what="preview")
        look("delete order")
    everything = "\n".join(seen)
    for stand_in in ("<U+061C>", "<U+2028>", "<U+2029>", "<U+E0041>", "<U+200B>", "␛"):
        assert stand_in in everything, stand_in


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield key
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


async def test_every_command_output_is_inert(sqlite_db, capsys) -> None:
    await seed(sqlite_db)
    url = sqlite_db.url.render_as_string(hide_password=False)
    runs = [["show", "ORD-EV"], ["search", "ORD-EV"], ["history", "ORD-EV"], ["outbox", "list"]]
    if "products" in cli.COMMANDS:  # the product list, where this build has it
        runs.append(["products"])
    for argv in runs + [[*argv, "--json"] for argv in runs]:
        code = await asyncio.to_thread(cli.main, ["--db", url, "--operator", "t", *argv])
        out, err = capsys.readouterr()
        assert code == 0, (argv, err)
        assert raw_samples(out) == [] and raw_samples(err) == [], (argv, raw_samples(out))
        if "--json" in argv:
            # the escapes read back as the stored value
            assert EVERY_CLASS in " ".join(_strings(json.loads(out))), argv
        else:
            assert "␛" in out, argv  # the data was printed, as stand-ins


async def test_csv_to_a_terminal_is_inert(sqlite_db, sqlite_path) -> None:
    await seed(sqlite_db)
    main, child = pty.openpty()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "export",
            "ORD-EV",
            "-o",
            "-",
            "--db",
            str(sqlite_path),
        ],
        stdout=child,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.returncode == 0, proc.stderr
    text = out.decode("utf-8")
    assert raw_samples(text) == [], raw_samples(text)
    assert "<U+061C>" in text and "<U+E0041>" in text and "<U+2028>" in text
