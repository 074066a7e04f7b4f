"""Write actions on a read-only database are refused at the key, saying why.

The services refuse every write on such a database anyway (``Database.check_writable``); this
spares the operator a dialog whose save could only fail. Every action that opens a writing
dialog or writes starts with ``if refuse_write(self): return``.
"""

from __future__ import annotations

from textual.dom import DOMNode

from orderview.safetext import visible
from orderview.services.errors import READ_ONLY


def read_only_reason(node: DOMNode) -> str | None:
    """Why the app's database cannot be written, or None (also before it is open)."""
    return getattr(getattr(node.app, "db", None), "read_only", None)


def refuse_write(node: DOMNode) -> bool:
    """True, with a notice naming the cause, when the database is read-only."""
    reason = read_only_reason(node)
    if reason is None:
        return False
    node.app.notify(
        visible(f"{READ_ONLY} ({reason})"), title="Database", severity="warning", markup=False
    )
    return True
