"""Terminal output for slow links: send only what changed (pure Python, no Textual/Rich)."""

from orderview.terminal.shadow import ShadowScreen

__all__ = ["ShadowScreen"]
