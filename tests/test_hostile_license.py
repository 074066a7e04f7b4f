"""The hostile corpus in a license's note and its devices' identifier, hostname and OS: shown
literally on the license screen (details, devices, confirmations) and in `orderview license
show` (text and JSON), never as markup or raw control sequences."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from orderview.screens.confirm import ConfirmScreen
from orderview.screens.license import LicenseScreen
from rich.cells import cell_len
from sqlalchemy import select

from orderview.cli import main
from orderview.db.models import Device, License
from orderview.keys import generate_keys
from orderview.safetext import visible
from tests import factories as f
from tests.hostile_corpus import BY_NAME, FORBIDDEN_OUTPUT
from tests.ui_support import SIZE, make_app, screen_text, wait_for

NAMES = [
    "click_simulate",
    "closing_tag",
    "csi_clear",
    "osc_title",
    "osc_clipboard",
    "c1_csi",
    "bel",
    "carriage_return",
    "newline",
    "nul",
    "bidi_override",
    "cjk_wide",
    "emoji",
    "long",
    "arabic_letter_mark",
    "line_separators",
    "tag_characters",
    "invisible_format",
]


async def _seed(db, texts: list[str]) -> list[tuple[int, str]]:
    """One license per text (note) with one device carrying it (identifier, hostname, OS),
    written like an import would (no schema)."""
    product, policy = await f.add_product(db)
    order = await f.add_order(db, "H-LIC")
    keys = generate_keys(len(texts))
    await f.add_licenses(db, order, product, len(texts), policy, keys=keys)
    out = []
    async with db.sessions.begin() as s:
        for key, text in zip(keys, texts, strict=True):
            lic = await s.scalar(select(License).where(License.license_key == key))
            assert lic is not None
            lic.note, lic.times_activated = text, 1
            s.add(
                Device(
                    license_id=lic.id,
                    identifier=text[:200],
                    hostname=text[:255],
                    os=text[:100],
                    is_vm=True,
                    first_seen_at=f.T0,
                    last_seen_at=f.T0 + timedelta(days=1),
                )
            )
            out.append((lic.id, key))
    return out


async def test_corpus_on_the_license_screen(sqlite_db) -> None:
    texts = [BY_NAME[name] for name in NAMES]
    seeded = await _seed(sqlite_db, texts)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        for (license_id, _key), text in zip(seeded, texts, strict=True):
            screen = LicenseScreen(license_id)
            app.push_screen(screen)
            await wait_for(pilot, lambda s=screen: s.detail is not None, what="license")
            await pilot.pause()
            for tab in ("1", "2"):
                await pilot.press(tab)
                await pilot.pause()
                shown = screen_text(app)
                assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
                assert all(cell_len(line) <= SIZE[0] for line in shown.splitlines())
                assert visible(text)[:6] in shown, (tab, text[:20])
            await pilot.press("X")  # the confirmation names the device literally
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
            shown = screen_text(app)
            assert "\x1b" not in shown and visible(text)[:6] in shown
            await pilot.press("n")
            await wait_for(pilot, lambda s=screen: app.screen is s, what="declined")
            await pilot.press("escape")
            await wait_for(pilot, lambda s=screen: app.screen is not s, what="closed")
        assert app.is_running  # no [@click=…] ran


@pytest.mark.parametrize("as_json", [False, True])
async def test_corpus_in_license_show(sqlite_db, sqlite_path, capsys, as_json) -> None:
    texts = [BY_NAME[name] for name in NAMES]
    seeded = await _seed(sqlite_db, texts)
    for (_license_id, key), text in zip(seeded, texts, strict=True):
        argv = ["license", "show", key, "--db", str(sqlite_path)] + (["--json"] if as_json else [])
        assert await asyncio.to_thread(main, argv) == 0
        out = capsys.readouterr().out
        raw = out.encode("utf-8", "surrogateescape")
        for forbidden in FORBIDDEN_OUTPUT:
            assert forbidden not in raw, (key, forbidden)
        assert "\x1b" not in out and "\x07" not in out and "\r" not in out
        if as_json:
            doc = json.loads(out)
            assert doc["note"] == text and doc["devices"][0]["hostname"] == text[:255]
        else:
            assert visible(text)[:6] in out


async def test_corpus_typed_into_the_note(sqlite_db) -> None:
    """Every corpus string typed (or pasted) into the change dialog's note and saved: stored as
    the box held it, or refused next to the field with nothing saved; never a raw control on
    screen."""
    from orderview.screens.license_edit import LicenseEditScreen

    from orderview.schemas.strict_fields import _NOTE_REFUSED
    from orderview.services import licenses
    from tests.hostile_corpus import CORPUS
    from tests.test_hostile_typed_dialogs import expected_in, send_text
    from tests.ui_support import error_of

    ((license_id, _key),) = await _seed(sqlite_db, ["plain"])
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = LicenseScreen(license_id)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.detail is not None, what="license")
        for name, text in CORPUS:
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, LicenseEditScreen), what=name)
            dialog = app.screen
            await pilot.press("ctrl+u")
            box = dialog.query_one("#note")
            send_text(app, text)
            await pilot.pause()
            held = expected_in(box, text)
            await wait_for(pilot, lambda b=box, h=held: b.value == h, what=f"{name} typed")
            before = screen.detail.version
            await pilot.press("ctrl+s")
            if len(held) > 2000 or _NOTE_REFUSED.search(held):
                await wait_for(pilot, lambda d=dialog: error_of(d, "note") != "", what=name)
                shown = screen_text(app)
                assert "\x1b" not in shown and "\x07" not in shown, name
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen is screen, what=f"{name} closed")
                assert (await licenses.get_license(sqlite_db, license_id)).version == before
                continue
            await wait_for(pilot, lambda: app.screen is screen, what=f"{name} saved")
            stored = (await licenses.get_license(sqlite_db, license_id)).note
            assert stored == held, name
            shown = screen_text(app)
            assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown, name
            assert all(cell_len(line) <= SIZE[0] for line in shown.splitlines()), name
        assert app.is_running
