"""The whole hostile corpus typed into every text field of every dialog (issue #8).

One app session per dialog loops over the corpus: for each string, type it into the field, save,
then check what the screen shows (controls as visible stand-ins, layout unchanged), what the
database holds, that search finds it and that the CSV neutralises it. Where the field's schema
refuses the string, the check is the error next to that field, nothing saved, no crash.

How a string reaches a field (``enter_text``):

- printable strings are typed by keys, one key event per character, sent in one burst the way a
  slow link delivers them (``type_burst``): every key goes through the app's priority bindings,
  the focused widget's own key handling and the screen's bindings, so a key that fires a binding
  instead of being typed shows up as a wrong value;
- strings with control characters, and the 10,000-character one, arrive as a bracketed paste
  (``events.Paste``, the event a terminal's paste becomes): a terminal cannot type ESC, TAB or CR
  as text (they are the escape, tab and enter keys), and 10,000 key events would cost minutes.
  The paste still goes through the widget (``Input._on_paste`` keeps the first line and
  respects ``max_length``), not around it.

``typed_value`` says what the field must then hold; what the schema makes of that value is the
expected outcome, and a few outcomes are pinned by hand (every control character and the long
string refused by every single-line customer field…) so the oracle cannot drift silently.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, TextArea

from orderview import export
from orderview.safetext import has_unsafe, visible, visible_in_box
from orderview.schemas.customer import CUSTOMER_FIELDS, validate_customer_changes
from orderview.services import orders
from orderview.services.errors import FieldErrors
from tests import factories as f
from tests.hostile_corpus import CORPUS, typed_value
from tests.ui_support import SIZE, make_app, screen_text, wait_for

N = len(CORPUS)


def by_paste(text: str) -> bool:
    return has_unsafe(text) or len(text) > 300


def send_key(app, key: str, character: str | None = None) -> None:
    """One key event through the driver, as the terminal delivers it (no pause after it)."""
    event = events.Key(key, character)
    event.set_sender(app)
    app._driver.send_message(event)


def send_text(app, text: str) -> None:
    """``text`` as the terminal delivers it: printable strings as one key event per character,
    controls and the long string as one bracketed paste (see the module docstring)."""
    if by_paste(text):
        event = events.Paste(text)
        event.set_sender(app)
        app._driver.send_message(event)
        return
    for ch in text:
        send_key(app, ch if ch.isalnum() else _character_to_key(ch), ch)


def value_of(widget: Input | TextArea) -> str:
    return widget.text if isinstance(widget, TextArea) else widget.value


def expected_in(widget: Input | TextArea, text: str) -> str:
    restrict = getattr(widget, "restrict", None)  # Quantity: digits only, refused as typed
    if restrict is None:
        return typed_value(
            text,
            pasted=by_paste(text),
            multiline=isinstance(widget, TextArea),
            max_length=getattr(widget, "max_length", 0) or 0,
        )
    whole = typed_value(text, pasted=by_paste(text), max_length=widget.max_length)
    if by_paste(text):  # one insertion: taken whole or refused whole
        return whole if re.fullmatch(restrict, whole) else ""
    kept = ""
    for ch in typed_value(text, pasted=False):  # key by key, each checked with the value
        if len(kept) < widget.max_length and re.fullmatch(restrict, kept + ch):
            kept += ch
    return kept


async def fill(pilot, app, boxes: list[Input], texts: list[str]) -> list[str]:
    """Empty the boxes, focus the first, then type the whole form in one burst, ``tab`` between
    fields, as an operator typing ahead does. Returns what each box must hold, and waits until
    it does (a key swallowed by a binding, or typed into the wrong box, fails here)."""
    for box in boxes:
        box.value = ""
    if app.focused is not boxes[0]:
        boxes[0].focus()
        await wait_for(pilot, lambda: app.focused is boxes[0], what="focus")
    for i, text in enumerate(texts):
        if i:
            send_key(app, "tab")
        send_text(app, text)
    expected = [expected_in(box, text) for box, text in zip(boxes, texts, strict=True)]
    await wait_for(
        pilot,
        lambda: [b.value for b in boxes] == expected,
        timeout=10,
        what=f"typed {[t[:20] for t in texts]}: got "
        f"{[b.value[:20] for b in boxes]}, want {[e[:20] for e in expected]}",
    )
    return expected


async def enter_text(pilot, app, widget: Input | TextArea, text: str) -> str:
    """One box: empty it, focus it, deliver ``text``; returns what it then holds."""
    if isinstance(widget, TextArea):
        widget.text = ""
    else:
        widget.value = ""
    if app.focused is not widget:
        widget.focus()  # queued on the app before the keys below: they land in this box
    send_text(app, text)
    expected = expected_in(widget, text)
    await wait_for(
        pilot,
        lambda: app.focused is widget and value_of(widget) == expected,
        timeout=10,
        what=f"{text[:40]!r} typed into #{widget.id}, got {value_of(widget)[:60]!r}",
    )
    return expected


def rotation(k: int, count: int) -> list[str]:
    """Round ``k``: field ``i`` gets corpus string ``k + i``; after ``N`` rounds every field
    had every string."""
    return [CORPUS[(k + i) % N][1] for i in range(count)]


def spread(accepted: dict[str, list[str]]) -> list[dict[str, str]]:
    """Saves that carry every accepted string at least once: in each save every field takes a
    string no field saved yet (fields accept different sets: a phone takes few)."""
    left = {text for texts in accepted.values() for text in texts}
    rounds: list[dict[str, str]] = []
    while left:
        chosen: dict[str, str] = {}
        for name, texts in accepted.items():
            pick = next((t for t in texts if t in left and t not in chosen.values()), None)
            if pick is not None:
                chosen[name] = pick
        if not chosen:
            break
        left -= set(chosen.values())
        rounds.append(chosen)
    return rounds


def needle(value: str, length: int = 10) -> str:
    """What the screen must show of a stored value: the start of its visible form."""
    return visible(value)[:length].rstrip()


def in_box(value: str, length: int = 8) -> str:
    """The start of a value as a text box draws it (each control as one stand-in)."""
    return visible_in_box(value)[:length].rstrip()


def check_screen(app, footer: str | None = None) -> str:
    """No raw control reached the screen, no line is wider than the terminal, the footer is the
    bottom line; returns the screen's text."""
    text = screen_text(app)
    lines = text.splitlines()
    assert len(lines) == SIZE[1]
    assert all(cell_len(line) <= SIZE[0] for line in lines), [
        line for line in lines if cell_len(line) > SIZE[0]
    ]
    raw = [line for line in lines if any(ch in line for ch in "\x1b\x07\x9b\x9d\x08\r\x00\x7f")]
    assert not raw, raw  # a control character reached the terminal
    if footer is not None:
        assert lines[-1] == footer, (lines[-1], footer)
    return text


def csv_row(text: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1, rows
    return rows[0]


async def exported(db, order_id: int) -> dict[str, str]:
    out = io.StringIO()
    await export.export_to_stream(db, order_id, out, actor="tester")
    return csv_row(out.getvalue())


def schema_error(validate: Any, name: str, value: str) -> str | None:
    try:
        validate({name: value})
    except FieldErrors as exc:
        return exc.errors[name]
    return None


async def typed_round(
    pilot,
    app,
    k: int,
    names: tuple[str, ...],
    boxes: list[Input],
    lines: list[Any],
    error_of: Any,
    accepted: dict[str, list[str]],
    footer: str,
) -> tuple[list[str], dict[str, str]]:
    """Round ``k`` of a dialog's fields (``rotation``): type, check each box holds and draws
    what was typed, save, and check the schema's message shows on exactly the refused
    fields' lines (``lines``), literally, with the layout intact. Records accepted strings;
    returns what was typed and the errors. With no error expected the dialog saves: the caller
    checks that."""
    texts = rotation(k, len(boxes))
    values = await fill(pilot, app, boxes, texts)
    errors = {}
    for name, text, value in zip(names, texts, values, strict=True):
        error = error_of(name, value)
        if error:
            errors[name] = error
        elif value.strip():
            accepted[name].append(text)
    await pilot.press("ctrl+s")
    if not errors:
        return values, errors
    await wait_for(
        pilot,
        lambda: [line.has_class("-shown") for line in lines] == [n in errors for n in names],
        what=f"round {k}: messages on {sorted(errors)} only",
    )
    for name, line in zip(names, lines, strict=True):
        if name in errors:
            assert str(line.render()) == visible(errors[name], 300), (k, name)
    check_screen(app, footer)
    for box, value in zip(boxes, values, strict=True):  # each box draws what it holds
        drawn = box.render_line(0).text
        assert in_box(value) in drawn or cell_len(in_box(value)) > 50, (value, drawn)
    return values, errors


def check_accepted(
    accepted: dict[str, list[str]],
    rounds: list[dict[str, str]],
    name_fields: tuple[str, ...],
    extra: str,
    phone: str,
) -> None:
    """Every accepted string was saved by some round, and the oracle (the schema) agrees with
    what is pinned here by hand: markup, SQL and formulas are names; phones take only "+1" and
    "-1"; no corpus string is an email."""
    assert {t for c in rounds for t in c.values()} == {t for ts in accepted.values() for t in ts}
    for text in ("[@click=app.quit]", "'; DROP TABLE orders; --", "=cmd|' /C calc'!A0", extra):
        assert all(text in accepted[n] for n in name_fields), text
    assert set(accepted[phone]) == {"+1", "-1"}, accepted[phone]
    assert accepted["email"] == []


def customer_error(name: str, value: str) -> str | None:
    error = schema_error(validate_customer_changes, name, value)
    if has_unsafe(value.strip()) or len(value) > 300 or name == "email":  # pinned by hand
        assert error, (name, value)
    return error


# -- Customer dialog ------------------------------------------------------------------------

CUSTOMER_CSV = {
    "email": "customer_email",
    "first_name": "customer_first_name",
    "last_name": "customer_last_name",
    "company_name": "customer_company",
    "phone": "customer_phone",
    "reference": "customer_reference",
    "address": "customer_address",
    "city": "customer_city",
    "state": "customer_state",
    "postcode": "customer_postcode",
    "country": "customer_country",
}


async def open_order_screen(pilot, app, order_id: int):
    from orderview.screens.order import OrderScreen

    app.open_order(order_id)
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, OrderScreen)
            and app.screen.detail is not None
            and app.screen.detail.id == order_id
        ),
        what=f"order {order_id}",
    )
    return app.screen


async def search_finds(db, order_id: int, value: str) -> None:
    """The orders search (what the search box runs) finds the order by the value's start."""
    prefix = value[:8]
    if prefix.strip():
        found = await orders.search_orders(db, prefix)
        assert order_id in [o.id for o in found.items], (value[:40], prefix)


async def test_corpus_typed_into_every_customer_field(sqlite_db) -> None:
    """Customer dialog, all 11 fields. Round k types corpus string k+i into field i and saves:
    the schema's message shows under exactly the refused fields (an email is always refused:
    the corpus has none), nothing is saved, the dialog layout holds. Then a few saves carry
    every accepted string through some field: stored as typed (trimmed), shown on the Customer
    tab, found by the orders search, neutralised in the CSV."""
    from orderview.screens.customer_edit import CustomerEditScreen
    from orderview.widgets.form_field import FormField

    cid = await f.add_customer(sqlite_db, "ada@example.com")
    oid = await f.add_order(sqlite_db, "C-1", customer_id=cid)
    accepted: dict[str, list[str]] = {name: [] for name in CUSTOMER_FIELDS}
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        order_screen = await open_order_screen(pilot, app, oid)
        await pilot.press("2")  # the Customer tab, where saved values show

        async def open_form():
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CustomerEditScreen), what="form")
            return app.screen, [
                app.screen.query_one(f"#field-{n}", FormField) for n in CUSTOMER_FIELDS
            ]

        form, fields = await open_form()
        footer = check_screen(app).splitlines()[-1]
        for k in range(N):
            _, errors = await typed_round(
                pilot,
                app,
                k,
                CUSTOMER_FIELDS,
                [fl.input for fl in fields],
                [fl.error for fl in fields],
                customer_error,
                accepted,
                footer,
            )
            assert "email" in errors  # the corpus has no email: nothing is ever saved here
            if k == 0:  # the status line stays on screen however many messages there are
                await wait_for(
                    pilot,
                    lambda: "Not saved: see the messages under the fields" in screen_text(app),
                    what="status line",
                )
        assert app.screen is form and app.is_running
        assert (await orders.get_order(sqlite_db, oid)).version == 1  # nothing saved
        await pilot.press("escape", "y")  # discard
        await wait_for(pilot, lambda: app.screen is order_screen, what="discarded")

        rounds = spread({n: accepted[n] for n in CUSTOMER_FIELDS if n != "email"})
        for r, chosen in enumerate(rounds):
            form, fields = await open_form()
            texts = [
                "ada@example.com" if n == "email" else chosen.get(n, "") for n in CUSTOMER_FIELDS
            ]
            values = await fill(pilot, app, [fl.input for fl in fields], texts)
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda r=r: (
                    app.screen is order_screen and order_screen.detail.customer.version == r + 2
                ),
                what=f"save {r}",
            )
            clean = validate_customer_changes(dict(zip(CUSTOMER_FIELDS, values, strict=True)))
            stored = order_screen.detail.customer
            assert {n: getattr(stored, n) for n in CUSTOMER_FIELDS} == clean, r
            await wait_for(
                pilot,
                lambda clean=clean: all(needle(v) in screen_text(app) for v in clean.values()),
                what=f"save {r} on the Customer tab",
            )
            check_screen(app)
            row = await exported(sqlite_db, oid)
            for name, value in clean.items():
                assert row[f"customer__{name}"] == export.neutralise(value), (r, name)
            for name in ("first_name", "last_name", "company_name"):
                await search_finds(sqlite_db, oid, clean[name])
        assert app.is_running
    check_accepted(accepted, rounds, ("first_name", "company_name"), "株式会社テスト漢字", "phone")
    assert accepted["country"] == []


# -- Add license manager --------------------------------------------------------------------

MANAGER_FIELDS = ("email", "first_name", "last_name", "phone_number")


def manager_error(name: str, value: str) -> str | None:
    from orderview.schemas.managers import parse_manager

    data = {"email": "ok@example.com"} if name != "email" else {}
    try:
        parse_manager({**data, name: value})
    except FieldErrors as exc:
        error = exc.errors.get(name)
    else:
        error = None
    c0_c1 = any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value.strip())
    if c0_c1 or len(value) > 100 or name == "email":  # pinned by hand, not by the schema
        assert error, (name, value)
    return error


async def test_corpus_typed_into_the_add_manager_dialog(sqlite_db) -> None:
    """Add license manager: email, first and last name, phone. Round k types corpus string
    k+i into field i and saves: the message next to exactly the refused fields, nothing added.
    Then a few saves carry every accepted string: the person is stored as typed (trimmed) and
    the License manager tab shows it literally. (There is no manager search and the order CSV
    has no manager columns: docs/robustness.md.)"""
    from orderview.screens.manager_dialog import ManagerDialog

    from orderview.db.models import LicenseManager

    oid = await f.add_order(sqlite_db, "M-1")
    accepted: dict[str, list[str]] = {name: [] for name in MANAGER_FIELDS}
    app = make_app(sqlite_db, plan="enterprise")
    async with app.run_test(size=SIZE) as pilot:
        order_screen = await open_order_screen(pilot, app, oid)
        await pilot.press("4")
        await wait_for(pilot, lambda: order_screen.pane("managers") is not None, what="tab")
        pane = order_screen.pane("managers")

        async def open_dialog():
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ManagerDialog), what="dialog")
            dialog = app.screen
            return dialog, [dialog.query_one(f"#{n}", Input) for n in MANAGER_FIELDS]

        dialog, boxes = await open_dialog()
        shown_errors = [dialog.query_one(f"#{n}-error") for n in MANAGER_FIELDS]
        footer = check_screen(app).splitlines()[-1]
        for k in range(N):
            _, errors = await typed_round(
                pilot, app, k, MANAGER_FIELDS, boxes, shown_errors, manager_error, accepted, footer
            )
            assert "email" in errors  # the corpus has no email: nothing is ever saved here
            if k == 0:
                await wait_for(
                    pilot,
                    lambda: "Not saved: see the messages next to the fields" in screen_text(app),
                    what="status line",
                )
        assert app.screen is dialog and app.is_running
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is order_screen, what="closed")
        async with sqlite_db.sessions() as s:
            from sqlalchemy import func, select

            assert await s.scalar(select(func.count(LicenseManager.id))) == 0

        rounds = spread({n: accepted[n] for n in MANAGER_FIELDS if n != "email"})
        for r, chosen in enumerate(rounds):
            dialog, boxes = await open_dialog()
            texts = [
                f"m{r}@example.com" if n == "email" else chosen.get(n, "") for n in MANAGER_FIELDS
            ]
            values = await fill(pilot, app, boxes, texts)
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda r=r: app.screen is order_screen and pane.table.row_count == r + 1,
                timeout=10,
                what=f"added {r}",
            )
            async with sqlite_db.sessions() as s:
                from sqlalchemy import select

                person = await s.scalar(
                    select(LicenseManager).where(LicenseManager.email == f"m{r}@example.com")
                )
            stored = (person.first_name, person.last_name, person.phone_number)
            assert stored == tuple(v.strip() for v in values[1:]), r
            row = next(
                " ".join(c.plain for c in pane.table.get_row_at(i))
                for i in range(pane.table.row_count)
                if f"m{r}@example.com" in str(pane.table.get_row_at(i)[0])
            )
            name = f"{person.first_name} {person.last_name}".strip()
            assert needle(name, 6) in row and not any(ch in row for ch in "\x1b\x07\x9b"), row
            check_screen(app)
        assert app.is_running
    # manager names keep bidi marks by decision (shown as <U+202E>)
    check_accepted(
        accepted, rounds, ("first_name", "last_name"), "invoice\u202egnp.exe", "phone_number"
    )


# -- Edit order -----------------------------------------------------------------------------

ORDER_FIELDS = ("reference", "campaign_params", "download_id", "language")


def order_error(name: str, value: str) -> str | None:
    from orderview.schemas.order import validate_order_changes

    error = schema_error(validate_order_changes, name, value)
    if has_unsafe(value.strip()) or len(value) > 500:  # pinned by hand
        assert error, (name, value)
    return error


async def test_corpus_typed_into_every_edit_order_field(sqlite_db) -> None:
    """Edit order: reference, campaign params, download ID, language. Round k types corpus
    string k+i into field i and saves: refused fields get the schema's message and nothing is
    saved; a round every field accepts is saved. Then a few saves carry every accepted string:
    stored (trimmed, language normalised), shown on the Details tab, found by the orders search
    (reference), neutralised in the CSV."""
    from orderview.screens.edit_order import EditOrderScreen
    from orderview.widgets.form_field import FormField

    oid = await f.add_order(sqlite_db, "E-1")
    accepted: dict[str, list[str]] = {name: [] for name in ORDER_FIELDS}
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        order_screen = await open_order_screen(pilot, app, oid)
        version = 1

        async def open_form():
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, EditOrderScreen), what="form")
            return [app.screen.query_one(f"#field-{n}", FormField) for n in ORDER_FIELDS]

        async def saved(values: list[str]) -> None:
            nonlocal version
            version += 1
            await wait_for(
                pilot,
                lambda: app.screen is order_screen and order_screen.detail.version == version,
                what=f"v{version}",
            )
            clean = validate_order_changes(dict(zip(ORDER_FIELDS, values, strict=True)))
            assert {n: getattr(order_screen.detail, n) for n in ORDER_FIELDS} == clean
            await wait_for(
                pilot,
                lambda: all(needle(v) in screen_text(app) for v in clean.values()),
                what=f"v{version} on the Details tab",
            )
            check_screen(app)
            row = await exported(sqlite_db, oid)
            for name, value in clean.items():
                assert row[f"order__{name}"] == export.neutralise(value), name
            await search_finds(sqlite_db, oid, clean["reference"])

        from orderview.schemas.order import validate_order_changes

        fields = await open_form()
        footer = check_screen(app).splitlines()[-1]
        for k in range(N):
            values, errors = await typed_round(
                pilot,
                app,
                k,
                ORDER_FIELDS,
                [fl.input for fl in fields],
                [fl.error for fl in fields],
                order_error,
                accepted,
                footer,
            )
            if not errors:  # every field took its string: saved, shown, and open again
                await saved(values)
                fields = await open_form()
        assert (await orders.get_order(sqlite_db, oid)).version == version  # refused: not saved
        await pilot.press("escape", "y")
        await wait_for(pilot, lambda: app.screen is order_screen, what="discarded")
        for chosen in spread(accepted):
            fields = await open_form()
            texts = [chosen.get(n, "") for n in ORDER_FIELDS]
            values = await fill(pilot, app, [fl.input for fl in fields], texts)
            await pilot.press("ctrl+s")
            await saved(values)
        assert app.is_running
    assert {t for ts in accepted.values() for t in ts} >= {
        "[@click=app.quit]",
        "'; DROP TABLE orders; --",
        "=cmd|' /C calc'!A0",
        "株式会社テスト漢字",
    }
    assert set(accepted["language"]) <= {"+1", "-1"} or accepted["language"] == []


# -- Search boxes: orders, customer picker, command palette ---------------------------------


def finds(stored: str, typed: str) -> bool:
    """Pinned by hand: the prefix search finds a stored value by any non-blank start of it."""
    from orderview.services.normalize import lc

    return bool(typed.strip()) and lc(stored).startswith(lc(typed))


async def test_corpus_typed_into_the_orders_search_box(sqlite_db) -> None:
    """Every corpus string typed into the orders search box, over one order per string (its
    reference and customer are that string, stored as an import would): the box holds what was
    typed, the table lists exactly what the search finds, literally, the order whose reference
    starts with the typed text among them, and the layout and footer stay put."""
    from orderview.services.orders import search_orders
    from tests.test_hostile_ui import seed

    stored = [text[:100] for _, text in CORPUS]
    ids = await seed(sqlite_db, [text for _, text in CORPUS])
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        box = home.query_one("#search", Input)
        await wait_for(pilot, lambda: box.has_focus and home.table.row_count > 0, what="home")
        footer = check_screen(app).splitlines()[-1]
        for k, (name, text) in enumerate(CORPUS):
            typed = await enter_text(pilot, app, box, text)
            await wait_for(
                pilot,
                lambda typed=typed: home.query_text == typed and not home._searching,
                what=f"results for {name}",
            )
            found = [s.id for s in home.results]
            if typed.strip():
                assert found == [
                    s.id
                    for s in (await search_orders(sqlite_db, typed, limit=len(found) or 1)).items
                ]
            if finds(stored[k], typed):
                assert ids[k + 1] in found, name
            if name in ("click_quit", "sql_drop", "csv_hyperlink", "cjk_wide", "csi_clear"):
                assert ids[k + 1] in found, name  # pinned: these are found
            if typed.strip():  # the status line quotes it, visibly
                said = f"“{visible(typed.strip())[:20]}"
                await wait_for(
                    pilot,
                    lambda said=said: said in screen_text(app),
                    what=f"status for {name}: {said}",
                )
            check_screen(app, footer)
            for row in range(home.table.row_count):
                cells = "".join(c.plain for c in home.table.get_row_at(row))
                assert not any(ch in cells for ch in "\x1b\x07\x9b\r\n"), cells
        assert app.is_running  # "q" and "[@click=app.quit]" were typed, not obeyed


async def test_corpus_typed_into_the_customer_picker_search(sqlite_db) -> None:
    """The customer picker's search box: every corpus string typed, over customers whose
    company and first name are those strings. The table lists what the customer search finds,
    literally; the customer is among them when the typed text starts its company; enter on the
    last search links the highlighted customer."""
    from orderview.screens.customer_pick import CustomerPickScreen

    from orderview.services.customers import search_customers
    from tests.test_hostile_ui import seed

    await seed(sqlite_db, [text for _, text in CORPUS])
    oid = await f.add_order(sqlite_db, "P-1")
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        order_screen = await open_order_screen(pilot, app, oid)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen), what="picker")
        pick = app.screen
        box = pick.query_one("#customer-search", Input)
        await wait_for(pilot, lambda: box.has_focus and pick.table.row_count > 0, what="list")
        footer = check_screen(app).splitlines()[-1]
        for name, text in CORPUS:
            typed = await enter_text(pilot, app, box, text)
            await wait_for(
                pilot,
                lambda typed=typed: pick.query_text == typed and not pick._fetching,
                what=f"matches for {name}",
            )
            page = await search_customers(sqlite_db, typed)
            assert [c.id for c in pick.results] == [c.id for c in page.items], name
            companies = [c.company_name for c in pick.results]
            if finds(text[:200], typed):
                assert text[:200] in companies, name
            check_screen(app, footer)
        await enter_text(pilot, app, box, "[@click=app.quit]")
        await wait_for(
            pilot,
            lambda: pick.query_text == "[@click=app.quit]" and pick.results,
            what="last search",
        )
        picked = pick.results[0]
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.screen is order_screen and order_screen.detail.customer is not None,
            what="linked",
        )
        assert order_screen.detail.customer.id == picked.id
        assert app.is_running


async def test_corpus_typed_into_the_command_palette_open_order(sqlite_db) -> None:
    """The command palette's "Open order…": every corpus string typed after ctrl+p. The
    palette offers the order whose reference starts with it, drawn literally, and enter on the
    last one opens that order (no action hidden in the text runs)."""
    from orderview.screens.open_order import order_query
    from orderview.screens.order import OrderScreen
    from textual.command import CommandPalette

    from orderview.services.orders import search_orders
    from tests.test_hostile_ui import seed

    ids = await seed(sqlite_db, [text for _, text in CORPUS])
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#search").has_focus, what="home")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app), what="palette")
        box = app.screen.query_one("#--input Input", Input)
        for k, (name, text) in enumerate(CORPUS):
            typed = await enter_text(pilot, app, box, text)
            query = order_query(typed)
            if not query:
                continue
            top = (await search_orders(sqlite_db, query, limit=10)).items
            if ids[k + 1] in [s.id for s in top]:
                want = f"Open order H-{k + 1:02d}"
                await wait_for(
                    pilot,
                    lambda want=want: want in screen_text(app),
                    what=f"{want} offered for {name}",
                )
            check_screen(app)
        await enter_text(pilot, app, box, "H-08")  # the order whose reference is click_quit…
        await wait_for(pilot, lambda: "Open order H-08" in screen_text(app), what="hit")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OrderScreen) and app.screen.detail is not None,
            what="opened",
        )
        assert app.screen.detail.id == ids[8] and app.is_running


# -- Export path, delete confirmation -------------------------------------------------------


def export_outcome(typed: str) -> str:
    """Pinned by hand, from the file system: "written" when the path names a new file in a
    directory that exists, otherwise the reason the dialog must show."""
    import os

    path = typed.strip()
    if not path:
        return "Type the file to write."
    if has_unsafe(path):
        return "must not contain control characters"
    target = export.resolve_target(path)
    if len(os.fsencode(target.name)) > 200:
        return "the file name is too long"
    if not target.parent.is_dir():
        return "the directory does not exist"
    if target.exists():
        return "already exists"
    return "written"


async def test_corpus_typed_as_the_export_path(sqlite_db, tmp_path, monkeypatch) -> None:
    """Every corpus string typed as the export file name (from a directory four levels down, so
    ``../../../etc/passwd`` stays in the test's own folder). A new file in an existing
    directory is written (the CSV, mode 0600); anything else leaves the dialog open with one
    literal line saying why, and no file (no partial file either)."""

    from orderview.screens.export_dialog import ExportScreen

    work = tmp_path / "a" / "b" / "c" / "d"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    oid = await f.add_order(sqlite_db, "X-1", reference="=1+1")
    app = make_app(sqlite_db)
    outcomes: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        order_screen = await open_order_screen(pilot, app, oid)
        footer = None
        for name, text in CORPUS:
            if not isinstance(app.screen, ExportScreen):
                await pilot.press("x")
                await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
            dialog = app.screen
            footer = footer or check_screen(app).splitlines()[-1]
            typed = await enter_text(pilot, app, dialog.query_one("#export-path", Input), text)
            expected = outcomes[name] = export_outcome(typed)
            before = set(tmp_path.rglob("*"))
            await pilot.press("enter")
            if expected == "written":
                await wait_for(pilot, lambda: app.screen is order_screen, what=f"wrote {name}")
                target = export.resolve_target(typed.strip())
                assert target.stat().st_mode & 0o777 == 0o600
                with target.open(newline="", encoding="utf-8") as fh:
                    (row,) = list(csv.DictReader(fh))
                assert row["order__reference"] == "'=1+1"  # neutralised
                assert set(tmp_path.rglob("*")) - before == {target}, name
                continue
            error = dialog.query_one("#export-error")
            await wait_for(
                pilot,
                lambda error=error, dialog=dialog: (
                    error.has_class("-shown") or app.screen is not dialog
                ),
                what=f"refused {name}",
            )
            assert app.screen is dialog, name
            assert expected in str(error.render()), (name, str(error.render()))
            check_screen(app, footer)
            assert set(tmp_path.rglob("*")) == before, name  # nothing written, no .part left
        assert app.is_running
    assert outcomes["path_traversal"] == "the directory does not exist"
    assert outcomes["closing_tag"] == "the directory does not exist"
    assert outcomes["sql_drop"] == outcomes["dotfile"] == outcomes["click_quit"] == "written"
    assert outcomes["nul"] == outcomes["osc_title"] == "must not contain control characters"


async def test_corpus_typed_into_the_delete_confirmation(sqlite_db) -> None:
    """The delete dialog's Order ID box: every corpus string typed, then enter. Only the exact
    Order ID (itself a markup string with a capital D in it) enables Delete and deletes; any
    other string says what to type, literally, and deletes nothing."""
    from orderview.screens.delete_order import DeleteOrderScreen
    from textual.widgets import Button

    store_id = "[@click=app.simulate_key('D')]x[/]"
    oid = await f.add_order(sqlite_db, store_id)
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_order_screen(pilot, app, oid)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteOrderScreen), what="dialog")
        dialog = app.screen
        box = dialog.query_one("#delete-confirm", Input)
        footer = check_screen(app).splitlines()[-1]
        texts = [t for _, t in CORPUS if t != store_id] + [store_id]
        for text in texts:
            typed = await enter_text(pilot, app, box, text)
            match = typed == store_id
            assert dialog.query_one("#delete", Button).disabled is not match
            await pilot.press("enter")
            if match:
                break
            message = dialog.query_one("#delete-message")
            await wait_for(
                pilot,
                lambda m=message: (
                    str(m.render()) == "Not deleted. To delete, "
                    f"type the Order ID exactly: {store_id}"
                ),
                what=f"refused {text[:20]!r}",
            )
            assert "Not deleted" in screen_text(app)
            check_screen(app, footer)
            assert (await orders.get_order(sqlite_db, oid)).store_id == store_id
        await wait_for(pilot, lambda: not isinstance(app.screen, DeleteOrderScreen), what="deleted")
        assert app.is_running
    found = await orders.search_orders(sqlite_db, store_id)
    assert oid not in [o.id for o in found.items]


# -- Issue wizard: the new order's fields and its customer search -------------------------

WIZARD_ORDER = ("store_id", "reference")
WIZARD_CUSTOMER = ("email", "first_name", "last_name", "company_name", "phone")


async def leave_wizard(pilot, app) -> None:
    """esc, confirming the discard if asked, back to the orders screen."""
    from orderview.screens.confirm import ConfirmScreen
    from orderview.screens.orders import OrdersScreen

    await pilot.press("escape")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ConfirmScreen | OrdersScreen), what="left the wizard"
    )
    if isinstance(app.screen, ConfirmScreen):
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders")


def new_order_errors(values: dict[str, str]) -> dict[str, str]:
    from orderview.schemas.new_order import parse_new_order

    data = {
        "store_id": values["store_id"],
        "reference": values["reference"],
        "new_customer": {n: values[n] for n in WIZARD_CUSTOMER},
    }
    try:
        parse_new_order(data)
    except FieldErrors as exc:
        errors = {k.removeprefix("customer."): v for k, v in exc.errors.items()}
    else:
        errors = {}
    for name, value in values.items():  # pinned by hand
        if has_unsafe(value.strip()) or name == "email":
            assert name in errors, (name, value)
    return errors


async def test_corpus_typed_into_the_new_order_step(sqlite_db) -> None:
    """The issue wizard's New order step, customer "create a new customer": Order ID,
    reference, email, first and last name, company, phone. Round k types corpus string k+i
    into field i and presses enter on the last: each refused field gets the schema's message
    under it (a corpus "email" is always refused, so the step never moves on), literally,
    layout intact. Then a few complete orders carry every accepted string: the order is
    created with them, shown on its screen, found by the orders search, neutralised in the
    CSV. Then "pick an existing customer": every string typed into its search box lists what
    the customer search finds."""
    from orderview.screens.orders import OrdersScreen
    from orderview.screens.wizard_steps.fields import FieldRow

    from orderview.services.customers import search_customers
    from tests.test_ui_issue_wizard import finish_default_line, on_step, start_new_order
    from tests.test_ui_issue_wizard import seed as seed_catalog

    await seed_catalog(sqlite_db)
    names = WIZARD_ORDER + WIZARD_CUSTOMER
    accepted: dict[str, list[str]] = {name: [] for name in names}
    app = make_app(sqlite_db)
    async with app.run_test(size=SIZE) as pilot:

        async def new_order_step():
            await start_new_order(pilot, app)
            step = app.screen.query_one("#step-order")
            step.query_one("#customer").focus()
            await pilot.press("right", "right")  # none → pick → new
            await wait_for(pilot, lambda: step.query_one("#new-section").display, what="new")
            ids = [n if n in WIZARD_ORDER else f"customer-{n}" for n in names]
            return step, [step.query_one(f"#{i}", Input) for i in ids]

        async def type_step(boxes: list[Input], texts: list[str]) -> list[str]:
            return await fill(pilot, app, boxes[:2], texts[:2]) + await fill(
                pilot, app, boxes[2:], texts[2:]
            )

        step, boxes = await new_order_step()
        rows = [
            step.query_one(f"#row-{n}" if n in WIZARD_ORDER else f"#row-customer-{n}", FieldRow)
            for n in names
        ]
        boxes[0].focus()  # the footer as it reads in a text box ("F1 Help": "?" is typed)
        await wait_for(pilot, lambda: "F1 Help" in check_screen(app).splitlines()[-1])
        footer = check_screen(app).splitlines()[-1]
        for k in range(N):
            texts = rotation(k, len(names))
            values = dict(zip(names, await type_step(boxes, texts), strict=True))
            errors = new_order_errors(values)
            for name, text in zip(names, texts, strict=True):
                if name not in errors and values[name].strip():
                    accepted[name].append(text)
            await pilot.press("enter")  # on the phone, the step's last field: forward
            await wait_for(
                pilot,
                lambda errors=errors: (
                    [bool(r.error_text) for r in rows] == [n in errors for n in names]
                ),
                what=f"round {k}: messages under {sorted(errors)} only",
            )
            for name, row in zip(names, rows, strict=True):
                if name in errors:
                    assert row.error_text == visible(errors[name], 300), (k, name)
            check_screen(app, footer)
            assert on_step(app, "order")
        await leave_wizard(pilot, app)

        for r, chosen in enumerate(spread({n: accepted[n] for n in names if n != "email"})):
            step, boxes = await new_order_step()
            texts = [f"w{r}@example.com" if n == "email" else chosen.get(n, "") for n in names]
            values = dict(zip(names, await type_step(boxes, texts), strict=True))
            await pilot.press("enter")
            await finish_default_line(pilot, app)
            detail = app.screen.detail
            clean = {n: v.strip() for n, v in values.items()}
            assert (detail.store_id, detail.reference) == (clean["store_id"], clean["reference"])
            assert {n: getattr(detail.customer, n) for n in WIZARD_CUSTOMER} == {
                n: clean[n] for n in WIZARD_CUSTOMER
            }
            assert needle(detail.store_id) in check_screen(app)
            row = await exported(sqlite_db, detail.id)
            assert row["order__store_id"] == export.neutralise(clean["store_id"])
            assert row["order__reference"] == export.neutralise(clean["reference"])
            for name in ("store_id", "reference", "first_name", "company_name"):
                await search_finds(sqlite_db, detail.id, clean[name])
            await pilot.press("escape")  # back to the orders
            await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders")

        # pick mode: the customer search box
        await start_new_order(pilot, app)
        step = app.screen.query_one("#step-order")
        step.query_one("#customer").focus()
        await pilot.press("right")
        box = step.query_one("#customer_search", Input)
        await wait_for(
            pilot, lambda: box.display and step.query_one("#pick-section").display, what="pick"
        )
        for name, text in CORPUS:
            typed = await enter_text(pilot, app, box, text)
            want = [c.id for c in (await search_customers(sqlite_db, typed)).items]
            await wait_for(
                pilot,
                lambda want=want: [c.id for c in step.matches] == want,
                what=f"matches for {name}",
            )
            check_screen(app)
        assert app.is_running
    assert accepted["email"] == []
    for text in ("[@click=app.quit]", "'; DROP TABLE orders; --", "=cmd|' /C calc'!A0"):
        assert text in accepted["store_id"] and text in accepted["first_name"], text


# -- Issue wizard: the entitlements step ----------------------------------------------------


def line_errors(line, values: dict[str, str]) -> dict[str, str]:
    """What the step must say for these typed values (the line's schema on a copy)."""
    import copy

    draft = copy.deepcopy(line)
    for name, value in values.items():
        if name in ("quantity", "keys", "user_emails"):
            setattr(draft, name, value)
        else:
            draft.values[name] = value
    try:
        draft.resolve()
    except FieldErrors as exc:
        return dict(exc.errors)
    return {}


KEY_LINE_BOXES = (
    "max_activations",
    "maintenance_duration",
    "maintenance_period",
    "quantity",
    "keys",
    "note",
)
USER_LINE_BOXES = ("user_emails",)
# The boxes other license types and switches show: (license type, switches turned on, boxes).
OTHER_BOXES = (
    (
        "time-limited",
        ("is_trial", "is_floating"),
        (
            "valid_duration",
            "validity_period",
            "max_transfers",
            "start_date",
            "trial_days",
            "floating_users",
            "floating_timeout",
        ),
    ),
    ("subscription", (), ("grace_period",)),
    ("consumption", ("allow_overages",), ("max_consumptions", "max_overages")),
)


async def entitlement_rounds(
    pilot,
    app,
    boxes: tuple[str, ...],
    refused: dict[str, int],
) -> None:
    """The ``N`` rounds over these boxes of the entitlements step on screen: round k types
    corpus string k+i into box i and presses Next. Every refused box gets the line schema's
    message under it, literally, layout intact; controls and markup are refused by every
    number, date, duration, key and email box (pinned by hand); a round every box accepts
    reaches the summary and comes back. Counts refusals per box in ``refused``."""
    from orderview.screens.wizard_steps.fields import FieldRow
    from textual.widgets import Button

    from tests.test_ui_issue_wizard import on_step

    footer = check_screen(app).splitlines()[-1]
    for k in range(N):
        step = app.screen.step
        rows = [r for r in step.query(FieldRow) if r.field_name in boxes]
        assert len(rows) == len(boxes), [r.field_name for r in rows]
        names = [r.field_name for r in rows]
        texts = rotation(k, len(rows))
        values = {}
        for row, text in zip(rows, texts, strict=True):
            values[row.field_name] = await enter_text(pilot, app, row.widget, text)
        step.collect()  # what Next does first: the switches and type into the line
        errors = line_errors(step.line, values)
        step.query_one("#next", Button).press()
        for name, value in values.items():
            refused[name] = refused.get(name, 0) + (name in errors)
            # pinned by hand (quantity is not read while keys are pasted)
            if name not in ("note", "quantity") and (has_unsafe(value.strip()) or "[" in value):
                assert name in errors, (name, value)
        if not errors:
            await wait_for(pilot, lambda: on_step(app, "summary"), what="summary")
            check_screen(app)
            await pilot.press("escape")  # back, values kept
            await wait_for(pilot, lambda: on_step(app, "entitlements"), what="back")
            continue
        await wait_for(
            pilot,
            lambda rows=rows, errors=errors, names=names: (
                [bool(r.error_text) for r in rows] == [n in errors for n in names]
            ),
            what=f"round {k}: messages under {sorted(errors)} only",
        )
        for name, row in zip(names, rows, strict=True):
            if name in errors:
                assert row.error_text == visible(errors[name], 300), (k, name)
        # the footer names the focused box's keys (a or + adds a product): same bindings
        bottom = check_screen(app).splitlines()[-1]
        assert bottom.split()[:2] == footer.split()[:2] and "Add product" in bottom


async def assert_nothing_issued(db) -> None:
    from sqlalchemy import func, select

    from orderview.db.models import License

    async with db.sessions() as s:
        assert await s.scalar(select(func.count(License.id))) == 0


async def test_corpus_typed_into_the_entitlements_step(sqlite_db) -> None:
    """The entitlements of a key-based line (quantity, the keys box, the note, and a number, a
    duration and a date box) and of a user-based line (the user emails box), through
    ``entitlement_rounds``. Nothing is issued."""
    from tests.test_ui_issue_wizard import open_wizard, to_entitlements
    from tests.test_ui_issue_wizard import seed as seed_catalog

    await seed_catalog(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    refused: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        for product_row, boxes in ((0, KEY_LINE_BOXES), (1, USER_LINE_BOXES)):
            await open_wizard(pilot, app)
            await to_entitlements(pilot, app, product_row=product_row)
            await entitlement_rounds(pilot, app, boxes, refused)
            await leave_wizard_from_order(pilot, app)
        assert app.is_running
    await assert_nothing_issued(sqlite_db)
    assert set(refused) == {*KEY_LINE_BOXES, *USER_LINE_BOXES}
    assert all(
        count >= N - 4
        for name, count in refused.items()  # all but +1, -1, blanks
        if name not in ("note", "quantity")
    ), refused
    assert refused["note"] >= 10, refused  # controls and the long string


async def focus_by_tab(pilot, app, widget_id: str) -> None:
    """tab until the widget has focus, as an operator moves through the step."""
    for _ in range(40):
        if app.focused is not None and app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}")


async def test_corpus_typed_into_the_other_entitlement_boxes(sqlite_db) -> None:
    """The boxes only other license types and switches show (``OTHER_BOXES``): the operator
    picks the type on the License type cycler (right arrow) and turns each switch on with
    space, then ``entitlement_rounds`` types the whole corpus into them. Nothing is issued."""
    from orderview.screens.wizard_steps.fields import Cycler

    from tests.test_ui_issue_wizard import open_wizard, to_entitlements
    from tests.test_ui_issue_wizard import seed as seed_catalog

    await seed_catalog(sqlite_db)
    app = make_app(sqlite_db, open_store_id="ORD-1001")
    refused: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        for license_type, switches, boxes in OTHER_BOXES:
            await open_wizard(pilot, app)
            await to_entitlements(pilot, app, product_row=0)
            for _ in range(4):
                cycler = app.screen.query_one("#license_type", Cycler)
                if cycler.value == license_type:
                    break
                before = cycler.value
                await pilot.press("right")  # the step keeps what was typed and rebuilds
                await wait_for(
                    pilot,
                    lambda b=before: (
                        app.screen.step.line.values["license_type"] != b
                        and isinstance(app.focused, Cycler)
                    ),
                    what="next type",
                )
            assert app.screen.query_one("#license_type", Cycler).value == license_type
            for switch in switches:
                await focus_by_tab(pilot, app, switch)
                await pilot.press("space")
                await wait_for(
                    pilot, lambda s=switch: app.screen.query_one(f"#{s}").value, what=f"{switch} on"
                )
            await entitlement_rounds(pilot, app, boxes, refused)
            await leave_wizard_from_order(pilot, app)
        assert app.is_running
    await assert_nothing_issued(sqlite_db)
    every = {name for _, _, boxes in OTHER_BOXES for name in boxes}
    assert set(refused) == every
    # every corpus string is refused by every one of them but the two that arrive blank (the
    # zero-width ones, typed as keys, are dropped): none is a number, date or duration
    assert all(count == N - 2 for count in refused.values()), refused


async def leave_wizard_from_order(pilot, app) -> None:
    """esc back through the steps, confirming the discard, to the order screen."""
    from orderview.screens.confirm import ConfirmScreen
    from orderview.screens.issue_wizard import IssueWizard

    for _ in range(6):
        if not isinstance(app.screen, IssueWizard | ConfirmScreen):
            return
        await pilot.press("y" if isinstance(app.screen, ConfirmScreen) else "escape")
        await pilot.pause()
    await wait_for(
        pilot,
        lambda: not isinstance(app.screen, IssueWizard | ConfirmScreen),
        what="left the wizard",
    )
