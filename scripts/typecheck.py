"""mypy over the whole package, screens/ and widgets/ under their installed names.

The editable install maps the folders screens/ and widgets/ to orderview.screens and
orderview.widgets with an import hook mypy cannot follow, and mypy names a file by its folder
("screens.orders"), so neither `mypy -p orderview` nor `mypy screens` sees the package as the
app imports it. This gives mypy every file with its installed module name; the settings
(strict core, standard screens/widgets) stay in pyproject.toml. Arguments pass through to mypy.

mypy's ignore comments are kept only where mypy checks them (``warn_unused_ignores`` fails a
stale one): the folders it does not check (tests/, benchmarks/, scripts/) may hold none, since
nobody would ever verify them; this script names any it finds there.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from mypy.fscache import FileSystemCache
from mypy.main import process_options, run_build
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent
MAPPED = ("screens", "widgets", "styles")
UNCHECKED = ("tests", "benchmarks", "scripts")
IGNORE_COMMENT = re.compile(r"#\s*type:\s*ignore\b")


def _sources() -> list[BuildSource]:
    sources = []
    for folder in ("orderview", *MAPPED):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[0] in MAPPED:
                parts.insert(0, "orderview")
            sources.append(BuildSource(str(rel), ".".join(parts), None, str(ROOT)))
    return sources


def _unverified_ignores() -> list[str]:
    """Each mypy ignore comment in a folder mypy does not check, as ``path:line``."""
    found = []
    for folder in UNCHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if IGNORE_COMMENT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    return found


def main() -> int:
    unverified = _unverified_ignores()
    for place in unverified:
        print(f"{place}: an ignore comment where mypy does not check (remove it)")
    if unverified:
        return 1
    t0 = time.time()
    fscache = FileSystemCache()
    _, options = process_options(sys.argv[1:], require_targets=False, fscache=fscache)
    options.files = None
    with tempfile.TemporaryDirectory() as tree:
        # mypy also looks a module up by path (is "orderview.widgets.x" a module or a name?):
        # a tree of links where orderview/widgets is the widgets/ folder answers that.
        (Path(tree) / "orderview").mkdir()
        (Path(tree) / "orderview" / "__init__.py").symlink_to(ROOT / "orderview" / "__init__.py")
        for folder in MAPPED:
            (Path(tree) / "orderview" / folder).symlink_to(ROOT / folder)
        options.mypy_path = [*options.mypy_path, tree]
        sources = _sources()
        _, messages, blockers = run_build(sources, options, fscache, t0, sys.stdout, sys.stderr)
    if blockers:
        return 2
    if messages:
        return 1
    print(f"mypy: no errors in {len(sources)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
