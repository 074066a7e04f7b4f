"""Bulk dialog: disable, enable or extend the selected licenses, after a dry run.

``BulkScreen(selection, count)``: ``d`` disable, ``e`` enable, ``x`` extend (a duration such as
30d, or a date YYYY-MM-DD, checked like issuing's fields, the message under the box). Then the
dry run (``services/license_bulk.bulk_preview``) says how many licenses change, how many are left
as they are, and a sample of keys; ``y`` carries it out, or, above ``TYPED_ABOVE`` licenses, the
count must be typed and enter pressed. The confirmation takes only keys typed after the dry run
was on screen (a burst typed ahead cannot confirm what nobody read), and the change carries the
dry run's fingerprint: if any selected license changed meanwhile, nothing is changed and the new
dry run is shown, to be confirmed again. Dismisses with what was done (one line) or None.
"""

from __future__ import annotations

import time

from orderview.widgets.app_services import services_of
from orderview.widgets.fmt import plural
from orderview.widgets.literal import literal
from orderview.widgets.still_footer import StillFooter
from orderview.widgets.still_input import StillInput
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from orderview.schemas.strict_fields import DATE_RE
from orderview.services import license_bulk as bulk
from orderview.services.errors import FieldErrors, PreviewChanged, ServiceError

TYPED_ABOVE = 100  # more licenses than this: type the count to confirm
DONE = {"disable": "Disabled", "enable": "Enabled", "extend": "Extended"}


def dry_run_text(preview: bulk.BulkPreview) -> Content:
    """What will change: every key literal, never markup."""
    change = preview.change
    parts: list[Content | str | tuple[str, str]] = [
        "Dry run, nothing changed yet. ",
        (change.label.capitalize(), "bold"),
        ": ",
        (plural(preview.changing, "license"), "bold"),
        " of ",
        plural(preview.selected, "selected license"),
        " in ",
        literal(preview.store_id, 40, "bold"),
        " change",
    ]
    if preview.unchanged:
        reason = "no validity end" if change.action == "extend" else f"already {change.action}d"
        parts.append(f"; {preview.unchanged:,} stay as they are ({reason})")
    parts.append(".")
    if preview.sample:
        parts.append("\nFor example: ")
        for n, key in enumerate(preview.sample[:5]):
            parts += [", " if n else "", literal(key, 60)]
        if preview.changing > 5:
            parts.append(", …")
    return Content.assemble(*parts)


class BulkScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    BulkScreen { align: center middle; }
    BulkScreen > VerticalScroll {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    BulkScreen .title { text-style: bold; height: 1; margin-bottom: 1; }
    BulkScreen #bulk-what, BulkScreen #bulk-message, BulkScreen #bulk-keys { height: auto; }
    BulkScreen #bulk-message { color: $text-warning; }
    BulkScreen #bulk-keys { color: $text-muted; margin-top: 1; }
    BulkScreen #bulk-extend { display: none; }
    BulkScreen #bulk-extend.-shown { display: block; }
    """

    def __init__(self, selection: bulk.Selection, count: int, exact: bool = True) -> None:
        """``count``: how many are selected; not ``exact``: at least that many (the filter's
        capped count, "10,000+"); the dry run then says exactly how many."""
        super().__init__()
        self.selection = selection
        self.count = count
        self.exact = exact
        self.state = "choose"  # choose → extend → dry-run → confirm → applying
        self.change: bulk.BulkChange | None = None
        self.preview: bulk.BulkPreview | None = None
        self.typed = ""
        self.shown_at: float | None = None  # when the dry run was on screen
        self.ignored = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            which = "all that match the filter" if self.selection.match is not None else "chosen"
            count = plural(self.count, "license") if self.exact else f"{self.count:,}+ licenses"
            yield Static(f"{count} selected ({which})", classes="title")
            yield Static(id="bulk-what")
            yield StillInput(placeholder="30d, 6m, 1y or YYYY-MM-DD", id="bulk-extend")
            yield Static(id="bulk-message")
            yield Static(id="bulk-keys")
        yield StillFooter()

    def on_mount(self) -> None:
        self._say("#bulk-what", "What should happen to them?")
        self._say("#bulk-keys", "d disable    e enable    x extend validity    esc cancel")

    def _say(self, where: str, text: str | Content) -> None:
        self.query_one(where, Static).update(
            text if isinstance(text, Content) else literal(text, max_length=1000)
        )

    # -- keys -------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            if self.state != "applying":
                self.dismiss(None)
            return
        if self.state == "choose" and event.key in ("d", "e", "x"):
            event.stop()
            if event.key == "x":
                self.state = "extend"
                box = self.query_one("#bulk-extend", StillInput)
                box.add_class("-shown")
                box.focus()
                self._say("#bulk-what", "Extend validity by a duration or to a date:")
                self._say("#bulk-keys", "enter dry run    esc cancel")
            else:
                self._dry_run(bulk.parse_change("disable" if event.key == "d" else "enable"))
        elif self.state == "confirm":
            event.stop()
            if self.shown_at is None or event.time < self.shown_at:
                self.ignored += 1
                self._say(
                    "#bulk-message",
                    f"{plural(self.ignored, 'key')} typed before the "
                    "dry run appeared ignored: type after reading it.",
                )
                return
            self._confirm_key(event)

    @on(Input.Submitted, "#bulk-extend")
    def _extend(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        as_date = bool(DATE_RE.match(text))
        try:
            change = bulk.parse_change(
                "extend", extend="" if as_date else text, until=text if as_date else ""
            )
        except FieldErrors as exc:
            self._say("#bulk-message", next(iter(exc.errors.values())))
            return
        self._dry_run(change)

    def _confirm_key(self, event: events.Key) -> None:
        assert self.preview is not None
        if self.preview.changing == 0:
            return
        if self.preview.changing <= TYPED_ABOVE:
            if event.key == "y":
                self._apply()
            elif event.key == "n":
                self.dismiss(None)
            return
        if event.character and event.character.isdigit():
            self.typed += event.character
        elif event.key == "backspace":
            self.typed = self.typed[:-1]
        elif event.key == "enter":
            if self.typed == str(self.preview.changing):
                self._apply()
                return
            self._say("#bulk-message", f"Type {self.preview.changing} exactly to go ahead.")
        self._show_keys()

    # -- dry run and change ---------------------------------------------------------------------

    @work(exclusive=True, group="bulk")
    async def _dry_run(self, change: bulk.BulkChange) -> None:
        self.change, self.state = change, "dry-run"
        box = self.query_one("#bulk-extend", StillInput)
        box.remove_class("-shown")
        self.set_focus(None)  # the confirmation reads keys itself: nothing typed goes elsewhere
        self._say("#bulk-message", "")
        self._say("#bulk-what", "Working out what would change…")
        try:
            preview = await bulk.bulk_preview(services_of(self.app).db, self.selection, change)
        except ServiceError as exc:
            self._say("#bulk-message", str(exc))
            return
        self._show(preview)

    def _show(self, preview: bulk.BulkPreview) -> None:
        self.preview, self.typed, self.state = preview, "", "confirm"
        self.shown_at = None
        self._say("#bulk-what", dry_run_text(preview))
        self._show_keys()
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.shown_at = time.monotonic()

    def _show_keys(self) -> None:
        assert self.preview is not None
        changing = self.preview.changing
        if changing == 0:
            text = "Nothing to change.    esc close"
        elif changing <= TYPED_ABOVE:
            text = "y go ahead    n / esc cancel"
        else:
            text = f"Type {changing} and press enter to go ahead: {self.typed}▏    esc cancel"
        self._say("#bulk-keys", text)

    @work(exclusive=True, group="bulk")
    async def _apply(self) -> None:
        assert self.preview is not None and self.change is not None
        self.state = "applying"
        self._say("#bulk-keys", "Changing…")
        try:
            result = await bulk.bulk_apply(
                services_of(self.app).db,
                services_of(self.app).operator,
                self.selection,
                self.change,
                self.preview.fingerprint,
            )
        except PreviewChanged as exc:
            assert isinstance(exc.preview, bulk.BulkPreview)  # what bulk_apply previews
            self._show(exc.preview)
            self._say("#bulk-message", str(exc) + " Above is what it would change now.")
            return
        except ServiceError as exc:
            self.state = "confirm"
            self._show_keys()
            self._say("#bulk-message", str(exc))
            return
        self.dismiss(f"{DONE[self.change.action]} {plural(result.changed, 'license')}.")
