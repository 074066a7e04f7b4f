"""The terminal, pure Python (no Textual/Rich): output for slow links (send only what changed) and
input framing (bracketed pastes taken out whole: ``paste``)."""

from orderview.terminal.shadow import ShadowScreen

__all__ = ["ShadowScreen"]
