"""The core (orderview/ minus the app and its command) must import without Textual or Rich:
services, the CLI's data commands and scripts run on machines with no terminal UI."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import orderview

# The only modules allowed to import Textual: the app, its terminal driver glue, and the
# command that starts it (it imports the app lazily).
UI_MODULES = {"orderview.app", "orderview.cli.app_cmd"}


def core_modules() -> list[str]:
    names = ["orderview"]
    for info in pkgutil.walk_packages(orderview.__path__, "orderview."):
        if info.name in UI_MODULES or info.name.startswith("orderview.migrations"):
            continue
        if info.name == "orderview.__main__":  # runs the CLI when imported
            continue
        names.append(info.name)
    return sorted(names)


def test_core_modules_are_found() -> None:
    names = core_modules()
    for expected in (
        "orderview.services.orders",
        "orderview.db.models",
        "orderview.demo",
        "orderview.cli.data_cmd",
        "orderview.settings",
        "orderview.safetext",
    ):
        assert expected in names


def test_core_imports_without_textual_or_rich() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(json.dumps(ui))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_cli_parser_builds_without_textual() -> None:
    """Building the parser imports every command module, app_cmd included: still no Textual."""
    script = (
        "import json, sys\n"
        "from orderview.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
