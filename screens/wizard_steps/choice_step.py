"""A step that is one table of choices (product, license policy): `enter` on a row chooses it
and goes on. The subclass says what the rows are and what choosing one means."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

from orderview.screens.wizard_steps.base import StepDone, WizardStep
from orderview.screens.wizard_steps.state import LineDraft
from orderview.widgets.literal_table import LiteralTable
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Static


class _Choice(Protocol):
    @property
    def id(self) -> int: ...


ItemT = TypeVar("ItemT", bound=_Choice)


class ChoiceStep(WizardStep, Generic[ItemT]):
    """Loads its choices in a worker when mounted, puts the cursor on the current (or default)
    one and focuses the table."""

    columns: tuple[str, ...] = ()
    worker_group = ""

    def __init__(self, line: LineDraft, *, id: str, table_id: str) -> None:
        super().__init__(id=id)
        self.line = line
        self.table_id = table_id
        self.items: list[ItemT] = []
        self.accepts_input = False  # until the choices are in the table (type-ahead waits)

    # -- what a subclass says ---------------------------------------------------------------

    def hint(self) -> str | Content:
        """The line above the table."""
        raise NotImplementedError

    async def fetch(self) -> list[ItemT]:
        raise NotImplementedError

    def rows(self) -> Iterable[tuple[str, tuple[object, ...]]]:
        """``(key, cells)`` for each row of the table."""
        raise NotImplementedError

    def cursor_row(self) -> int | None:
        """Where the cursor starts (``None``: leave it)."""
        raise NotImplementedError

    def choose(self, key: str) -> bool:
        """The row ``key`` was chosen: record it; ``False`` if it is not a choice (go nowhere)."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------

    def item(self, key: str) -> ItemT | None:
        """The loaded choice whose id is ``key``."""
        return next((i for i in self.items if str(i.id) == key), None)

    def index_of(self, item_id: int | None, default: int) -> int:
        """The row of the choice with id ``item_id``, or ``default``."""
        return next((n for n, i in enumerate(self.items) if i.id == item_id), default)

    def compose(self) -> ComposeResult:
        yield Static(self.hint(), classes="hint")
        yield LiteralTable(id=self.table_id)

    def on_mount(self) -> None:
        self.query_one(LiteralTable).set_columns(self.columns)
        self.run_worker(self._load(), group=self.worker_group, exclusive=True)

    async def _load(self) -> None:
        self.items = await self.fetch()
        table = self.query_one(LiteralTable)
        table.add_literal_rows(self.rows())
        index = self.cursor_row()
        if index is not None:
            table.move_cursor(row=index)
        table.focus()
        self.accepts_input = True

    def focus_first(self) -> None:
        for table in self.query(LiteralTable):  # none once the step is being replaced
            table.focus()

    @on(DataTable.RowSelected, "LiteralTable")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.choose(str(event.row_key.value)):
            self.post_message(StepDone(self))
