"""The four panes of the order screen, one module each; each has ``show(detail)``."""
