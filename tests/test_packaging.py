"""Packaging: one top-level package, every runtime import declared, the metadata an index shows.

The wheel itself is proven by ``scripts/wheel_smoke.py`` (``make test`` runs it on Python 3.11,
3.12 and 3.13): built, installed without extras into a fresh virtualenv, and run.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
MAPPED = {
    "screens": "orderview.screens",
    "widgets": "orderview.widgets",
    "styles": "orderview.styles",
}
# Import name -> distribution name, where the two differ.
DISTRIBUTION = {"argon2": "argon2-cffi", "pydantic_settings": "pydantic-settings", "yaml": "pyyaml"}
# Imported only when the operator uses what the extra is for.
EXTRAS = {"asyncpg": "postgres"}
RUNTIME_DIRS = ("orderview", "screens", "widgets", "styles")


def _python_files(*dirs: str) -> list[Path]:
    return [p for d in dirs for p in (ROOT / d).rglob("*.py") if "__snapshots__" not in p.parts]


def _imports(path: Path) -> set[str]:
    """Top-level module names ``path`` imports (statements and ``import_module("x")``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_packages_list_covers_every_package_folder() -> None:
    """Every folder with an ``__init__.py`` ships, under the one ``orderview`` package."""
    expected = set()
    for top in RUNTIME_DIRS:
        for init in (ROOT / top).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT).parts
            name = ".".join(parts)
            expected.add(MAPPED[parts[0]] + name[len(parts[0]) :] if parts[0] in MAPPED else name)
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert packages == expected
    assert all(p == "orderview" or p.startswith("orderview.") for p in packages)
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {v: k for k, v in MAPPED.items()}


def test_no_code_imports_the_folders_as_top_level_packages() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _python_files(*RUNTIME_DIRS, "tests", "benchmarks", "scripts")
        for name in _imports(path)
        if name in MAPPED
    ]
    assert offenders == []


def test_every_runtime_import_is_a_declared_dependency() -> None:
    """What only a test extra brings (pyte brought wcwidth) works in development and fails
    in a user's install."""
    declared = {_requirement_name(r) for r in PROJECT["dependencies"]}
    extras = PROJECT["optional-dependencies"]
    missing = []
    for path in _python_files(*RUNTIME_DIRS):
        for name in _imports(path):
            if name in sys.stdlib_module_names or name == "orderview":
                continue
            if name in EXTRAS:
                assert any(_requirement_name(r) == name for r in extras[EXTRAS[name]]), name
                continue
            if DISTRIBUTION.get(name, name).lower().replace("_", "-") not in declared:
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert missing == []


def test_postgres_driver_is_an_extra_installed_for_development() -> None:
    assert "asyncpg" not in {_requirement_name(r) for r in PROJECT["dependencies"]}
    assert [_requirement_name(r) for r in PROJECT["optional-dependencies"]["postgres"]] == [
        "asyncpg"
    ]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q -e '.[test,postgres]'" in makefile


def test_make_test_runs_the_wheel_smoke_test() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/wheel_smoke.py" in recipe
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_metadata_a_package_index_shows() -> None:
    assert PROJECT["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    classifiers = set(PROJECT["classifiers"])
    for needed in (
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Environment :: Console :: Curses",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
    ):
        assert needed in classifiers
    assert {"Homepage", "Changelog", "Issues"} <= set(PROJECT["urls"])
    assert PROJECT["keywords"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    from orderview import __version__

    assert f"## {__version__}" in changelog
    assert PROJECT["dynamic"] == ["version"]
