"""Issue licenses: a modal wizard into an existing order, or creating a new order first.

Steps: (new order →) product → license policy → entitlements → summary; "add another product"
starts another line. `enter` on a step's last field goes forward, `esc` goes back one step (on
the first step it closes, asking first if anything was entered). Only `ctrl+s` on the summary
writes, in a worker, all lines in one transaction; progress shows on one throttled status line.

Only the current step is mounted; the steps rebuild themselves from ``wizard_steps.state``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from orderview.screens.confirm import ConfirmScreen
from orderview.screens.order_tabs.licenses import LicensesPane
from orderview.screens.wizard_steps.base import AddLine, StepDone, StepFixed, WizardStep
from orderview.screens.wizard_steps.entitlements_step import EntitlementsStep
from orderview.screens.wizard_steps.order_step import OrderStep
from orderview.screens.wizard_steps.policy_step import PolicyStep
from orderview.screens.wizard_steps.product_step import ProductStep
from orderview.screens.wizard_steps.state import LineDraft, OrderDraft
from orderview.screens.wizard_steps.summary_step import SummaryStep
from orderview.widgets.app_services import services_of
from orderview.widgets.literal import literal
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from orderview.schemas.order import EDITABLE_ORDER_FIELDS
from orderview.services.errors import FieldErrors, LineErrors, ServiceError
from orderview.services.issuing import issue_licenses
from orderview.services.order_create import create_order
from orderview.services.views import OrderDetail

if TYPE_CHECKING:
    from orderview.screens.order import OrderScreen

ORDER_FIELDS = ("store_id", *EDITABLE_ORDER_FIELDS, "customer")
HINTS = {
    "order": "enter: next field · space: tick · ←/→: customer choice · esc: close",
    "product": "↑/↓ then enter: choose · esc: back",
    "policy": "↑/↓ then enter: choose · esc: back",
    "entitlements": "enter: next field · space, ←/→: change · tab: move · esc: back",
    "summary": "ctrl+s: issue · a or +: add another product · esc: back",
}


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    order_id: int
    store_id: str
    issued: int
    created_order: bool
    after_id: int = 0  # the new licenses have ids above this (to show them first)


class IssueWizard(ModalScreen[IssueOutcome | None]):
    """``IssueWizard(order)`` issues into ``order``; ``IssueWizard(None)`` creates an order."""

    DEFAULT_CSS = """
    IssueWizard { align: center middle; }
    IssueWizard > Vertical {
        width: 80; max-width: 100%; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    IssueWizard #wizard-title { height: 1; text-style: bold; }
    IssueWizard #wizard-body { height: 1fr; }
    IssueWizard #wizard-status { height: 1; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a,plus", "add_line", "Add product"),
        Binding("ctrl+s", "issue", "Issue"),
        *HELP_BINDINGS,
    ]
    HELP_TITLE = "Issue licenses"

    def __init__(self, order: OrderDetail | None) -> None:
        super().__init__()
        self.order = order
        self.order_draft = OrderDraft()
        self.lines: list[LineDraft] = [LineDraft()]
        first = ("product", 0) if order is not None else ("order", -1)
        self.stack: list[tuple[str, int]] = [first]
        self.step: WizardStep | None = None
        self.issuing = False
        self.fixing = False  # on a step the service sent us back to
        self.wait_note = ""  # shown with the progress once esc was pressed while issuing

    # --- layout and navigation -------------------------------------------------------------

    @property
    def input_context(self) -> object:
        """Keys are typed for a step: one typed ahead of a step change is for the next step
        (``widgets/type_ahead.py``)."""
        return self.step or self

    @property
    def accepts_input(self) -> bool:
        """The step is mounted, done loading (a table of choices has its rows) and has the
        focus, if it has anything to focus."""
        step = self.step
        if step is None or not step.is_mounted or not step.accepts_input:
            return False
        focused = self.focused
        if focused is not None and step in focused.ancestors_with_self:
            return True
        return not any(widget.focusable for widget in step.query("*"))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="wizard-title")
            yield Vertical(id="wizard-body")
            yield StatusLine(id="wizard-status")
        yield StillFooter()

    async def on_mount(self) -> None:
        await self._show()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#wizard-status", StatusLine)

    def _target(self) -> Content:
        if self.order is not None:
            return Content.assemble("into order ", literal(self.order.store_id, 40, "bold"))
        return Content("into a new order")

    def _build(self, name: str, index: int) -> WizardStep:
        if name == "order":
            return OrderStep(self.order_draft)
        if name == "product":
            return ProductStep(self.lines[index])
        if name == "policy":
            return PolicyStep(self.lines[index])
        if name == "entitlements":
            return EntitlementsStep(self.lines[index], index + 1)
        order = self.order_draft.describe() if self.order is None else []
        return SummaryStep([line.resolved for line in self.lines if line.resolved], order)

    async def _show(self, errors: dict[str, str] | None = None) -> None:
        """Replace the mounted step with the one on top of the stack."""
        name, index = self.stack[-1]
        body = self.query_one("#wizard-body", Vertical)
        await body.remove_children()
        self.step = self._build(name, index)
        await body.mount(self.step)
        numbered = f" · line {index + 1}" if index > 0 and name != "summary" else ""
        self.query_one("#wizard-title", Static).update(
            Content.assemble("Issue licenses ", self._target(), f" · {self.step.title}{numbered}")
        )
        self.status.set_status(HINTS.get(name, ""))
        self.refresh_bindings()
        if errors:
            self._show_errors(errors)
        else:
            self.step.call_after_refresh(self._focus_step, self.step)

    def _focus_step(self, step: WizardStep) -> None:
        """Focus a step's first field, unless the operator has already moved on (keys typed
        ahead can replace a step before its first refresh)."""
        if step is self.step and step.is_attached:
            step.focus_first()

    def _show_errors(self, errors: dict[str, str]) -> None:
        assert self.step is not None
        rest = self.step.show_errors(errors)
        self.status.set_status(
            "Check the fields marked in red" + (": " + "; ".join(rest) if rest else ".")
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        name = self.stack[-1][0]
        if action == "issue":
            return name == "summary"
        if action == "add_line":
            return name in ("entitlements", "summary")
        return True

    @on(StepDone)
    async def _forward(self, event: StepDone) -> None:
        event.stop()
        if self.issuing or self.step is None or event.step is not self.step:
            return  # a step already left (keys typed ahead): never pass a step unseen
        name, index = self.stack[-1]
        step = self.step
        step.collect()
        errors = step.validate_step() or await step.check_step()
        if step is not self.step:
            return  # left while the database answered
        if errors:
            self._show_errors(errors)
            return
        following = {
            "order": ("product", 0),
            "product": ("policy", index),
            "policy": ("entitlements", index),
            "entitlements": ("summary", -1),
        }
        if self.fixing:  # sent back by the service to fix one thing: straight to the summary
            self.fixing = False
            self.stack.append(("summary", -1))
            await self._show()
        elif name in following:
            self.stack.append(following[name])
            await self._show()

    @on(StepFixed)
    def _step_fixed(self, event: StepFixed) -> None:
        """The fields marked in red are all fixed: the status line says the step's keys again."""
        event.stop()
        if event.step is self.step and not self.issuing:
            self.status.set_status(HINTS.get(self.stack[-1][0], ""))

    @on(AddLine)
    async def _add_line_message(self, event: AddLine) -> None:
        event.stop()
        if event.step is self.step:
            await self.action_add_line()

    async def action_add_line(self) -> None:
        """Finish the current line (validated) and start another at the product step."""
        if self.issuing or self.step is None:
            return
        name, _ = self.stack[-1]
        if name not in ("entitlements", "summary"):
            return
        self.step.collect()
        errors = self.step.validate_step()
        if errors:
            self._show_errors(errors)
            return
        self.lines = [line for line in self.lines if line.resolved]
        self.lines.append(LineDraft())
        self.stack.append(("product", len(self.lines) - 1))
        await self._show()

    async def action_back(self) -> None:
        if self.issuing:  # one transaction: it completes or leaves nothing, never half
            self.wait_note = " · wait for it to finish"
            if not self.status.text.endswith(self.wait_note):
                self.status.set_status(self.status.text + self.wait_note)
            return
        if self.step is not None:
            self.step.collect()
        if len(self.stack) == 1:
            self._close()
            return
        self.fixing = False
        name, index = self.stack.pop()
        if (
            name == "product"
            and index > 0
            and self.stack[-1][1] != index
            and index == len(self.lines) - 1
        ):
            self.lines.pop()  # backing out of an added line's first step abandons that line
        await self._show()

    @work(exclusive=True, group="wizard-close")
    async def _close(self) -> None:
        entered = self.order_draft.touched or any(line.product for line in self.lines)
        if entered and not await self.app.push_screen_wait(
            ConfirmScreen("Close the wizard and discard what you entered? Nothing has been issued.")
        ):
            return
        self.dismiss(None)

    # --- issuing ---------------------------------------------------------------------------

    def action_issue(self) -> None:
        if self.stack[-1][0] != "summary" or self.issuing:
            return
        if not any(line.resolved for line in self.lines):
            self.status.set_status("Nothing to issue: add a product.")
            return
        self.issuing = True
        self.wait_note = ""
        self._issue()

    def _progress(self, done: int, total: int) -> None:
        self.status.set_status(f"Issuing… {done:,} of {total:,} licenses written{self.wait_note}")

    @work(exclusive=True, group="wizard-issue")
    async def _issue(self) -> None:
        app = services_of(self.app)
        lines = [line for line in self.lines if line.resolved]
        inputs = [line.line_input() for line in lines]
        total = sum(line.resolved.quantity for line in lines if line.resolved)
        self.status.set_status(f"Issuing {total:,} licenses…")
        try:
            if self.order is not None:
                result = await issue_licenses(
                    app.db, app.operator, self.order.id, inputs, self._progress
                )
                outcome = IssueOutcome(
                    result.order_id, result.store_id, result.total, False, result.after_id
                )
            else:
                created = await create_order(
                    app.db, app.operator, self.order_draft.data(), inputs, self._progress
                )
                outcome = IssueOutcome(
                    created.order.id,
                    created.order.store_id,
                    created.issued.total if created.issued else 0,
                    True,
                )
        except LineErrors as exc:
            self.issuing = False
            self.lines = lines
            self.stack.append(("entitlements", exc.line))
            await self._show(exc.errors)
            return
        except FieldErrors as exc:
            self.issuing = False
            if self.order is None and any(k.split(".")[0] in ORDER_FIELDS for k in exc.errors):
                self.fixing = True
                self.stack.append(("order", -1))
                await self._show(exc.errors)
            else:
                self.status.set_status(f"Not issued: {exc}")
            return
        except ServiceError as exc:
            self.issuing = False
            self.status.set_status(f"Not issued: {exc}")
            return
        self.dismiss(outcome)


async def show_new_licenses(screen: OrderScreen, outcome: IssueOutcome) -> None:
    """On the order screen: reload, open the Licenses tab, start its window at the first new
    license (in a big order they would otherwise be pages below)."""
    await screen.reload()
    screen.show_tab("licenses")
    if not outcome.after_id:
        return
    for _ in range(100):  # the tab's contents mount lazily
        pane = screen.pane("licenses")
        if isinstance(pane, LicensesPane) and pane.is_mounted and pane.order_id is not None:
            pane.start_at(outcome.after_id)
            return
        await asyncio.sleep(0.02)
