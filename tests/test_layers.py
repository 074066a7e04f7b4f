"""The layers hold and no module imports itself round a loop.

An AST import graph over orderview/, screens/ and widgets/ (installed as orderview.screens and
orderview.widgets): imports inside functions count, so a lazy import cannot hide a cycle or a
layer breach. Imports under ``if TYPE_CHECKING:`` never run, so they are left out of the cycle
check (they still count for the layers).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folder -> the package name it installs as (pyproject.toml's package-dir mapping).
TREES = {"orderview": "orderview", "screens": "orderview.screens", "widgets": "orderview.widgets"}
# The only core modules that may import Textual/Rich and the UI packages.
UI_ENTRY = {"orderview.app", "orderview.cli.app_cmd"}
UI_PACKAGES = ("orderview.screens", "orderview.widgets", "orderview.styles")


def _module_names(root: Path, trees: dict[str, str]) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for folder, package in trees.items():
        base = root / folder
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    tree: ast.AST, module: str, is_package: bool, modules: dict[str, Path]
) -> list[tuple[str, bool]]:
    """Every imported name (fully qualified) with whether it sits under TYPE_CHECKING."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module or ""
            # ``from pkg import mod`` depends on pkg.mod (as import-linter counts it), ``from
            # mod import name`` on mod: the caller keeps whichever names a module.
            names = [f"{base}.{alias.name}" for alias in node.names]
            if not all(n in modules for n in names):
                found.append((base, typing_only))
            found.extend((n, typing_only) for n in names)
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(tree, False)
    return found


def import_graph(
    root: Path = ROOT, trees: dict[str, str] = TREES
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """(runtime edges between our modules, all edges incl. TYPE_CHECKING, external imports)."""
    modules = _module_names(root, trees)
    runtime: dict[str, set[str]] = {name: set() for name in modules}
    every: dict[str, set[str]] = {name: set() for name in modules}
    external: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for target, typing_only in _imports(tree, name, path.name == "__init__.py", modules):
            external[name].add(target)
            if target in modules and target != name:
                every[name].add(target)
                if not typing_only:
                    runtime[name].add(target)
    return runtime, every, external


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One loop (a -> ... -> a) per strongly connected component that has one (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return [_loop_in(graph, component) for component in components]


def _loop_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete loop through a strongly connected component, for the failure message."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & component):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError(f"no loop in {component}")


def _in(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def layer_violations(every: dict[str, set[str]], external: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(external.items()):
        core = module.startswith("orderview") and not _in(module, *UI_PACKAGES)
        for target in sorted(targets):
            if core and module not in UI_ENTRY and _in(target, "textual", "rich", *UI_PACKAGES):
                problems.append(f"core {module} imports {target}")
            if _in(module, "orderview.widgets") and _in(target, "orderview.screens"):
                problems.append(f"widget {module} imports screen {target}")
            if _in(module, "orderview.screens") and _in(target, "orderview.db.models"):
                problems.append(f"screen {module} imports the db models ({target})")
    return problems


def test_the_graph_sees_the_whole_tree() -> None:
    runtime, _every, _external = import_graph()
    assert "orderview.services.orders" in runtime
    assert "orderview.screens.customer_edit" in runtime
    assert "orderview.widgets.shadow_driver" in runtime
    assert "orderview.terminal.shadow_emit" in runtime["orderview.terminal.shadow"]


def test_no_import_cycles() -> None:
    runtime, _every, _external = import_graph()
    cycles = find_cycles(runtime)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_layers_hold() -> None:
    _runtime, every, external = import_graph()
    problems = layer_violations(every, external)
    assert not problems, "layer violations:\n" + "\n".join(problems)


def test_a_planted_cycle_and_breaches_are_caught(tmp_path: Path) -> None:
    """The checker itself can fail: a loop hidden in a function-level import is reported."""
    pkg = tmp_path / "orderview"
    (pkg / "services").mkdir(parents=True)
    (tmp_path / "widgets").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "services" / "__init__.py").write_text("")
    (pkg / "services" / "a.py").write_text("from orderview.services import b\n")
    (pkg / "services" / "b.py").write_text(
        "def later():\n    from . import c\n    import textual\n"
    )
    (pkg / "services" / "c.py").write_text("from .a import thing\n")
    (pkg / "services" / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from orderview.services import a\n"
    )
    (tmp_path / "widgets" / "w.py").write_text("from orderview.screens.x import Y\n")
    trees = {"orderview": "orderview", "widgets": "orderview.widgets"}
    runtime, every, external = import_graph(tmp_path, trees)
    assert find_cycles(runtime) == [
        [
            "orderview.services.a",
            "orderview.services.b",
            "orderview.services.c",
            "orderview.services.a",
        ]
    ]
    assert "orderview.services.a" not in runtime["orderview.services.d"]
    assert "orderview.services.a" in every["orderview.services.d"]
    assert layer_violations(every, external) == [
        "core orderview.services.b imports textual",
        "widget orderview.widgets.w imports screen orderview.screens.x",
        "widget orderview.widgets.w imports screen orderview.screens.x.Y",
    ]
