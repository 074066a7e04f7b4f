"""Step: every line with its quantity and the values that differ from its policy.

What is shown here is exactly what ``issue_licenses`` writes: the lines were resolved by the same
schema the service validates with, and nothing is written before `ctrl+s`.
"""

from __future__ import annotations

from collections.abc import Sequence

from orderview.screens.wizard_steps.base import WizardStep
from orderview.widgets.literal import literal
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from orderview.schemas.entitlements import FIELD_LABELS, show_value
from orderview.schemas.issuing import ResolvedLine


def identity_text(line: ResolvedLine) -> str:
    if line.user_based:
        users = ", ".join(line.user_emails[:3]) + (" …" if len(line.user_emails) > 3 else "")
        return f"{line.quantity:,} user license{'s' if line.quantity != 1 else ''}: {users}"
    noun = f"license{'s' if line.quantity != 1 else ''}"
    if line.keys:
        return f"{line.quantity:,} {noun} with pasted keys"
    return f"{line.quantity:,} {noun}, keys generated"


def summary_lines(lines: Sequence[ResolvedLine]) -> list[Content]:
    """The summary as text lines (data through ``literal``)."""
    out: list[Content] = []
    for number, line in enumerate(lines, 1):
        out.append(
            Content.assemble(
                (f"{number}. ", "bold"),
                literal(line.product_name, 30, "bold"),
                " (",
                literal(line.product_code, 20),
                ") · ",
                literal(line.policy_label, 30),
                f" · {line.entitlements.license_type}",
            )
        )
        out.append(Content.assemble("   ", literal(identity_text(line), 74)))
        if not line.differences:
            out.append(Content("   values as in the policy"))
        for name, (before, after) in line.differences.items():
            change = (
                f"{show_value(after)}"
                if line.policy_id is None
                else f"{show_value(before)} → {show_value(after)}"
            )
            out.append(Content.assemble(f"   {FIELD_LABELS[name]}: ", literal(change, 60)))
    total = sum(line.quantity for line in lines)
    out.append(Content(""))
    out.append(
        Content.assemble(
            (f"Total: {total:,} license{'s' if total != 1 else ''}. ", "bold"),
            "ctrl+s issues them; esc goes back.",
        )
    )
    return out


class SummaryStep(WizardStep):
    title = "Summary"

    def __init__(self, lines: Sequence[ResolvedLine], order: Sequence[str] = ()) -> None:
        super().__init__(id="step-summary")
        self.lines = list(lines)
        self.order = list(order)  # the new order's fields, when creating one

    def compose(self) -> ComposeResult:
        if self.order:
            yield Static(
                Content("\n").join(literal(text, 76) for text in self.order), id="summary-order"
            )
        yield Static(Content("\n").join(summary_lines(self.lines)), id="summary-text")
        with Horizontal(classes="buttons"):
            yield Button("Add another product", id="add-line", compact=True)

    def focus_first(self) -> None:
        self.focus()
