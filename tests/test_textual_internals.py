"""Textual's private API is reached only through ``widgets/textual_internals.py``.

The scan: every ``x._name`` in ``orderview/``, ``screens/`` and ``widgets/`` (outside the door
module) whose name Textual defines is a finding, unless it is provably ours: reached on
``self``/``cls`` (or ``super()``) in a class no Textual base of which has that name, or, on
any other object, a name Textual defines that we define too and have reviewed
(``OURS_ELSEWHERE``). A method defined in a Textual subclass that shadows a Textual private is
a finding too (``_on_<event>`` handlers excepted: the door module says why). Imports of
``textual._*`` are findings. ``UNGATHERED`` lists what the door module documents as staying
where it is.

The canaries: one per use, each failing with the Textual version, the private name and the
function of the door module that relies on it.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import textual
from orderview.widgets import textual_internals as door
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import BindingsMap
from textual.widgets import Checkbox, Input, TextArea
from textual.worker import WorkerFailed

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "orderview": "orderview",
    "screens": "orderview.screens",
    "widgets": "orderview.widgets",
}
DOOR = "widgets/textual_internals.py"
VERSION = textual.__version__

# Names Textual defines that our own code also defines, reached on an object other than
# ``self``: each checked by hand to be ours where it is used.
OURS_ELSEWHERE = {
    ("orderview/serve/zygote.py", "_exit"),  # os._exit
    ("widgets/status_line.py", "_set"),  # StatusLine._set, on another StatusLine
}
# Documented in the door module's docstring as staying where they are (LinuxDriver state).
UNGATHERED = {
    ("widgets/session_driver.py", name) for name in ("_app", "_file", "_writer_thread", "_debug")
} | {
    ("widgets/shadow_driver.py", name) for name in ("_app", "_writer_thread", "_get_terminal_size")
}
DRIVER_PRIVATES = {name for _, name in UNGATHERED}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined(tree: ast.AST) -> Iterator[str]:
    """Names a module or class defines: functions, classes, attributes stored on an object,
    and names assigned at module or class level (not a function's local variables)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            yield node.attr
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
        for statement in getattr(scope, "body", ()):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
                if isinstance(statement, ast.AnnAssign)
                else []
            )
            yield from (t.id for t in targets if isinstance(t, ast.Name))


@cache
def textual_privates() -> frozenset[str]:
    """Every private name defined anywhere in Textual's source (modules too)."""
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        names.add(path.stem)
        names.update(_defined(ast.parse(path.read_text(encoding="utf-8"))))
    return frozenset(n for n in names if _private(n))


@cache
def textual_instance_privates() -> dict[tuple[str, str], frozenset[str]]:
    """(module, class) of Textual -> private attributes its methods store on ``self``."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    base = Path(textual.__file__).parent
    for path in base.rglob("*.py"):
        module = ".".join(("textual", *path.relative_to(base).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                out[(module, node.name)] = frozenset(n for n in _defined(node) if _private(n))
    return out


def textual_base_has(cls: type, name: str) -> bool:
    """Does a Textual class in ``cls``'s MRO define ``name`` (as class or instance attribute)?"""
    for base in cls.__mro__[1:]:
        if not base.__module__.startswith("textual"):
            continue
        if name in vars(base) or name in textual_instance_privates().get(
            (base.__module__, base.__qualname__), ()
        ):
            return True
    return False


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name} ({self.why})"


def scan(path: str, source: str, resolve: Callable[[str], type | None]) -> list[Finding]:
    """Findings in one module; ``resolve`` gives the class object for a class's qualname."""
    privates = textual_privates()
    found: list[Finding] = []

    def visit(node: ast.AST, classes: tuple[str, ...]) -> None:
        if isinstance(node, ast.ClassDef):
            cls = resolve(".".join((*classes, node.name)))
            for item in node.body:
                if (
                    isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and _private(item.name)
                    and not item.name.startswith("_on_")
                    and cls is not None
                    and textual_base_has(cls, item.name)
                ):
                    found.append(
                        Finding(path, item.lineno, item.name, "overrides a Textual private")
                    )
            for child in ast.iter_child_nodes(node):
                visit(child, (*classes, node.name))
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                parts = module.split(".")
                if parts[0] == "textual" and any(_private(p) for p in parts):
                    found.append(Finding(path, node.lineno, module, "imports a private module"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in privates
        ):
            found.append(Finding(path, node.lineno, node.args[1].value, "reached by name"))
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr in privates:
            finding = judge(node, classes)
            if finding:
                found.append(Finding(path, node.lineno, node.attr, finding))
        for child in ast.iter_child_nodes(node):
            visit(child, classes)

    def judge(node: ast.Attribute, classes: tuple[str, ...]) -> str | None:
        receiver = node.value
        on_self = isinstance(receiver, ast.Name) and receiver.id in {"self", "cls"}
        on_super = (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "super"
        )
        if on_self or on_super:
            cls = resolve(".".join(classes)) if classes else None
            if cls is None:
                return "on self outside a resolvable class"
            return "a Textual base defines it" if textual_base_has(cls, node.attr) else None
        if (path, node.attr) in OURS_ELSEWHERE:
            return None
        return "a name Textual defines, reached on another object"

    visit(ast.parse(source), ())
    return [f for f in found if (f.path, f.name) not in UNGATHERED]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    name = ".".join((PACKAGES[rel.parts[0]], *rel.parts[1:]))
    return name.removesuffix(".__init__")


def _resolver(module_name: str) -> Callable[[str], type | None]:
    def resolve(qualname: str) -> type | None:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part, None)
        return obj if inspect.isclass(obj) else None

    return resolve


def our_modules() -> list[Path]:
    return sorted(
        p
        for d in PACKAGES
        for p in (ROOT / d).rglob("*.py")
        if p.relative_to(ROOT).as_posix() != DOOR
    )


def test_only_the_door_module_touches_textual_privates() -> None:
    findings = all_findings()
    assert not findings, (
        "Textual private API outside widgets/textual_internals.py (add a "
        "function there):\n" + "\n".join(map(str, findings))
    )


def all_findings() -> list[Finding]:
    return [
        finding
        for path in our_modules()
        for finding in scan(
            path.relative_to(ROOT).as_posix(),
            path.read_text(encoding="utf-8"),
            _resolver(_module_name(path)),
        )
    ]


def test_every_exception_is_still_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry of ``OURS_ELSEWHERE`` or ``UNGATHERED`` the scan would not flag is removed."""
    exceptions = OURS_ELSEWHERE | UNGATHERED
    monkeypatch.setitem(globals(), "OURS_ELSEWHERE", set())
    monkeypatch.setitem(globals(), "UNGATHERED", set())
    flagged = {(f.path, f.name) for f in all_findings()}
    assert exceptions <= flagged, sorted(exceptions - flagged)


PLANTED = """
from textual._xterm_parser import XTermParser
from textual.widgets import Input, Static

class Box(Input):
    def _our_own(self):
        self._mine = 1
        return self._mine

    def _watch_value(self, value):
        return super()._watch_value(value)

    def _on_key(self, event):
        return self._cursor_visible

def elsewhere(app, event):
    app._display(app.screen, None)
    getattr(app, "_batch_count")
    return event._sender

class Plain:
    def __init__(self):
        self._timer = None
"""


def test_the_scan_flags_a_planted_example() -> None:
    """The scan is not vacuous: each kind of use is caught, our own private names are not."""
    namespace: dict[str, Any] = {}
    exec(compile(PLANTED, "planted.py", "exec"), namespace)
    found = {(f.name, f.line) for f in scan("planted.py", PLANTED, lambda q: namespace.get(q))}
    lines = PLANTED.splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if text in line)

    assert found == {
        ("textual._xterm_parser", line_of("import XTermParser")),
        ("_watch_value", line_of("def _watch_value")),
        ("_watch_value", line_of("super()._watch_value")),
        ("_cursor_visible", line_of("self._cursor_visible")),
        ("_display", line_of("app._display")),
        ("_batch_count", line_of("_batch_count")),
        ("_sender", line_of("event._sender")),
    }


# -- canaries: one per use of the door module ------------------------------------------------


def changed(name: str, where: str) -> str:
    return f"Textual {VERSION} changed {name}: see widgets/textual_internals.py::{where}"


def takes(func: Any, *params: str) -> bool:
    return list(inspect.signature(func).parameters)[: len(params)] == list(params)


class Probe(door.AppHooks, App[None]):
    """An app with the door module's hooks, recording what they report."""

    def __init__(self, *widgets: Any) -> None:
        super().__init__()
        self.widgets, self.frames, self.errors = widgets, [], []

    def compose(self) -> ComposeResult:
        yield from self.widgets

    def frame_shown(self, screen: Any) -> None:
        self.frames.append(screen)

    def exception_taken(self, error: Exception) -> bool:
        self.errors.append(error)
        return isinstance(getattr(error, "error", None), LookupError)  # a worker's


def test_canary_parser_timeout() -> None:
    from textual import _xterm_parser

    assert hasattr(_xterm_parser, "XTermParser"), changed("textual._xterm_parser", "FramedParser")
    parser = door.FramedParser(False)
    assert hasattr(parser, "_timeout_time"), changed("XTermParser._timeout_time", "FramedParser")
    assert list(parser.feed("\x1b")) == [], changed("XTermParser.feed", "FramedParser")
    keys = [m.key for m in parser.expire() if isinstance(m, events.Key)]
    assert keys == ["escape"], changed("XTermParser._timeout_time", "FramedParser.expire")


async def test_canary_app_display_and_batch_count() -> None:
    assert takes(App._display, "self", "screen", "renderable"), changed("App._display", "AppHooks")
    app = Probe()
    async with app.run_test() as pilot:
        assert isinstance(app._batch_count, int), changed("App._batch_count", "AppHooks")
        app.frames.clear()
        app.refresh()
        await pilot.pause()
        assert app.screen in app.frames, changed(
            "App._display (not called per frame)", "AppHooks.frame_shown"
        )
        with app.batch_update():
            app.frames.clear()
            app._display(app.screen, Text("x"))
            assert app.frames == [], changed("App._batch_count", "AppHooks._display")


async def test_canary_handle_exception_and_exit_renderables() -> None:
    assert takes(App._handle_exception, "self", "error"), changed(
        "App._handle_exception", "AppHooks"
    )

    async def lookup() -> None:
        raise KeyError("missing")

    app = Probe()
    async with app.run_test() as pilot:
        worker = app.run_worker(lookup())  # taken: the app goes on
        with contextlib.suppress(WorkerFailed):
            await worker.wait()
        await pilot.pause()
        assert app.is_running and isinstance(app.errors[0].error, KeyError), changed(
            "App._handle_exception", "AppHooks._handle_exception"
        )
        assert isinstance(app._exit_renderables, list), changed(
            "App._exit_renderables", "AppHooks._handle_exception"
        )
    crashing = Probe()
    with contextlib.suppress(ZeroDivisionError):
        async with crashing.run_test() as pilot:
            crashing.call_later(lambda: 1 / 0)  # not taken: the app ends, nothing to print
            await pilot.pause()
    assert isinstance(crashing.errors[0], ZeroDivisionError), changed(
        "App._handle_exception", "AppHooks._handle_exception"
    )
    assert crashing._exit_renderables == [] and crashing.return_code == 1, changed(
        "App._handle_exception / App._exit_renderables", "AppHooks._handle_exception"
    )


class Counted(door.ForwardHook, Input):
    count = 0

    def forwarded(self, event: events.Event) -> None:
        self.count += isinstance(event, events.Key)


async def test_canary_forward_event() -> None:
    from textual.screen import Screen
    from textual.widget import Widget

    for owner in (Widget, Screen):
        assert takes(owner._forward_event, "self", "event"), changed(
            f"{owner.__name__}._forward_event", "ForwardHook / forward_event"
        )
    box = Counted()
    app = Probe(box)
    async with app.run_test() as pilot:
        box.focus()
        await pilot.press("a")
        assert box.count == 1 and box.value == "a", changed("_forward_event", "ForwardHook")
        key = events.Key("b", "b")
        key.set_sender(app)
        door.forward_event(box, key)
        await pilot.pause()
        assert box.value == "ab", changed("_forward_event", "forward_event")


class Shown(door.DrawnValueHook, Input):
    def value_as_drawn(self) -> Text:
        return Text("drawn")


async def test_canary_input_value() -> None:
    assert isinstance(inspect.getattr_static(Input, "_value"), property), changed(
        "Input._value", "DrawnValueHook / input_rendered_value"
    )
    box = Shown()
    app = Probe(box, Input(id="plain"))
    async with app.run_test() as pilot:
        box.value = "typed"
        app.query_one("#plain", Input).value = "plain"
        await pilot.pause()
        assert "drawn" in box.render_line(0).text and box.value == "typed", changed(
            "Input._value", "DrawnValueHook"
        )
        plain = app.query_one("#plain", Input)
        assert door.input_rendered_value(plain).plain.startswith("plain"), changed(
            "Input._value", "input_rendered_value"
        )


class Blank(door.BlankUntickedMark, Checkbox):
    pass


async def test_canary_checkbox_button() -> None:
    from textual.widgets._toggle_button import ToggleButton

    assert isinstance(inspect.getattr_static(ToggleButton, "_button"), property), changed(
        "ToggleButton._button", "BlankUntickedMark"
    )
    box = Blank("x")
    app = Probe(box)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert box._button.plain.strip(" ▐▌") == "", changed(
            "ToggleButton._button", "BlankUntickedMark"
        )
        box.value = True
        assert "X" in box._button.plain, changed("ToggleButton._button", "BlankUntickedMark")


async def test_canary_text_area_key_handler_and_component_styles() -> None:
    assert takes(TextArea._on_key, "self", "event"), changed("TextArea._on_key", "run_key_handler")
    area = TextArea()
    app = Probe(area)
    async with app.run_test() as pilot:
        await pilot.pause()
        await door.run_key_handler(TextArea, area, events.Key("z", "z"))
        assert area.text == "z", changed("TextArea._on_key", "run_key_handler")
        assert door.has_component_style(area, "text-area--gutter"), changed(
            "DOMNode._component_styles", "has_component_style"
        )
        area.remove()
        await pilot.pause()
        assert not door.has_component_style(area, "text-area--gutter"), changed(
            "DOMNode._component_styles (kept after removal)", "has_component_style"
        )


def test_canary_event_sender() -> None:
    key = events.Key("a", "a")
    key.set_sender(sender := Input())
    assert door.event_sender(key) is sender, changed("Message._sender", "event_sender")


async def test_canary_bindings() -> None:
    box = Input()
    app = Probe(box)
    async with app.run_test() as pilot:
        box.focus()
        await pilot.pause()
        bindings = door.node_bindings(box)
        assert isinstance(bindings, BindingsMap), changed("DOMNode._bindings", "node_bindings")
        assert bindings.key_to_bindings["backspace"][0].action == "delete_left", changed(
            "DOMNode._bindings", "node_bindings"
        )
        assert ("backspace", bindings.key_to_bindings["backspace"][0]) in list(bindings), changed(
            "BindingsMap iteration", "node_bindings"
        )
        chain = door.modal_binding_chain(app.screen)
        assert chain[0][0] is box and isinstance(chain[0][1], BindingsMap), changed(
            "Screen._modal_binding_chain", "modal_binding_chain"
        )
        assert any(node is app for node, _ in chain), changed(
            "Screen._modal_binding_chain", "modal_binding_chain"
        )


async def test_canary_driver_and_full_frame() -> None:
    app = Probe()
    async with app.run_test() as pilot:
        driver = door.app_driver(app)
        assert driver is not None and driver.is_headless, changed("App._driver", "app_driver")
        app.frames.clear()
        assert door.render_full_frame(app), changed(
            "Screen._compositor.render_update / App._background_screens", "render_full_frame"
        )
        await pilot.pause()
        assert app.frames[:1] == [app.screen], changed("App._display", "render_full_frame")


async def test_canary_linux_driver_state() -> None:
    """The state ``SessionDriver``/``ShadowDriver`` use (ungathered: see the door module)."""
    from textual.drivers.linux_driver import LinuxDriver

    driver = LinuxDriver(App(), debug=False, size=(80, 24))
    for name in DRIVER_PRIVATES:
        assert hasattr(driver, name), changed(f"LinuxDriver.{name}", "(module docstring)")
    assert driver._app is not None, changed("LinuxDriver._app", "(module docstring)")
    assert callable(driver._get_terminal_size), changed(
        "LinuxDriver._get_terminal_size", "(module docstring)"
    )


class Base(Input):
    seen: list[str]

    def _on_key(self, event: events.Key) -> None:
        self.seen.append("base")


class Sub(Base):
    def _on_key(self, event: events.Key) -> None:
        self.seen.append("sub")


async def test_canary_on_handlers_run_along_the_mro() -> None:
    """``_on_<event>`` handlers are not private API for us because Textual calls every class's
    one along the MRO (ours before Textual's, and Textual's after unless prevented)."""
    box = Sub()
    box.seen = []
    app = Probe(box)
    async with app.run_test() as pilot:
        box.focus()
        await pilot.press("q")
        assert box.seen == ["sub", "base"] and box.value == "q", changed(
            "the dispatch of _on_<event> handlers", "(module docstring)"
        )
