"""Textual stylesheets, shipped as package data (read with importlib.resources)."""
