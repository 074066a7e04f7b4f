"""The wheel smoke test: orderview installed the way a user installs it, on every Python we ship.

Builds the wheel once, then for each interpreter (3.11, 3.12, 3.13): a fresh virtualenv, the
wheel installed **without extras**, and from a directory outside the checkout (so nothing of the
repository can be imported by accident):

- site-packages got one top-level package from us, ``orderview`` (plus its dist-info);
- ``asyncpg`` is not there, and a PostgreSQL URL says in one line which extra to install;
- ``orderview --version``, ``orderview completion bash``, ``orderview demo --orders 50``,
  ``orderview search`` and ``orderview show`` work;
- the full-screen app starts in a pseudo-terminal, paints the orders screen, and quits on ctrl+q
  with status 0.

Usage: ``python scripts/wheel_smoke.py [--python 3.12=/path/to/python …]``. Interpreters are
found from ``PYTHON311``/``PYTHON312``/``PYTHON313``, else pyenv, else ``python3.X`` on PATH; a
missing one is skipped with a note, except under ``CI=true``, where it fails. Run by
``make wheel-smoke`` (part of ``make test``). pip's cache makes repeated runs quick.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.11", "3.12", "3.13")
APP_START_LIMIT = 90.0  # seconds for the first paint on a cold, loaded machine
PG_URL = "postgresql://nobody@127.0.0.1:1/none"


class SmokeFailure(Exception):
    pass


def find_python(version: str) -> str | None:
    """An interpreter for ``version``: $PYTHON3XX, pyenv's newest 3.X.*, or python3.X."""
    named = os.environ.get("PYTHON" + version.replace(".", ""))
    if named:
        return named
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        roots.insert(0, found.stdout.strip())
    for root in filter(None, roots):
        candidates = sorted(
            (str(p) for p in Path(root).glob(f"versions/{version}.*/bin/python{version}")),
            key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()],
        )
        if candidates:
            return candidates[-1]
    on_path = shutil.which(f"python{version}")
    if on_path and _version_of(on_path) == version:
        return on_path
    return None


def _version_of(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip()


def run(
    argv: list[str], *, env: dict[str, str], cwd: Path, expect: int = 0, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != expect:
        raise SmokeFailure(
            f"{' '.join(argv)} exited {result.returncode} (expected {expect}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    return result


def build_wheel(out: Path) -> Path:
    """The wheel, built once from the checkout."""
    env = clean_env(out)
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # stale modules there would ship
    # The development install has the build backend (the test extra): no isolated build
    # environment to download and set up each time.
    isolation = ["--no-build-isolation"] if _has_build_backend() else []
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            *isolation,
            "-w",
            str(out),
            str(ROOT),
        ],
        env=env,
        cwd=out,
    )
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    wheels = sorted(out.glob("orderview-*.whl"))
    if len(wheels) != 1:
        raise SmokeFailure(f"expected one orderview wheel in {out}, found {wheels}")
    return wheels[0]


def _has_build_backend() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return int(version("setuptools").split(".")[0]) >= 77
    except (PackageNotFoundError, ValueError):
        return False


def clean_env(home: Path) -> dict[str, str]:
    """The user's environment minus anything that could import the checkout or pick settings:
    data, config and logs under ``home``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORDERVIEW_", "PYTHON", "VIRTUAL_ENV", "TEXTUAL"))
    }
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        ORDERVIEW_OPERATOR="smoke",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def check_site_packages(python: Path, env: dict[str, str], cwd: Path) -> None:
    """Our distribution put only ``orderview/`` (and its dist-info) into site-packages, and
    no extra was installed."""
    probe = (
        "import importlib.metadata as m, importlib.util as u, json;"
        "d = m.distribution('orderview');"
        "tops = sorted({str(f).split('/')[0] for f in d.files if not str(f).startswith('..')});"
        "print(json.dumps({'tops': tops, 'asyncpg': u.find_spec('asyncpg') is not None,"
        " 'stray': [n for n in ('screens', 'widgets', 'styles') if u.find_spec(n)]}))"
    )
    found = json.loads(run([str(python), "-c", probe], env=env, cwd=cwd).stdout)
    tops = [t for t in found["tops"] if not t.endswith(".dist-info")]
    if tops != ["orderview"]:
        raise SmokeFailure(f"the wheel installs top-level {tops}, not only orderview")
    if found["stray"]:
        raise SmokeFailure(f"importable top-level packages {found['stray']} after install")
    if found["asyncpg"]:
        raise SmokeFailure("asyncpg was installed without the postgres extra")


def check_commands(bin_dir: Path, env: dict[str, str], work: Path, want_version: str) -> Path:
    orderview = str(bin_dir / "orderview")
    out = run([orderview, "--version"], env=env, cwd=work).stdout.strip()
    if out != f"orderview {want_version}":
        raise SmokeFailure(f"orderview --version printed {out!r}")
    completion = run([orderview, "completion", "bash"], env=env, cwd=work).stdout
    if "orderview" not in completion or "show" not in completion:
        raise SmokeFailure("orderview completion bash printed no completion script")
    db = work / "smoke.db"
    run([orderview, "demo", "--orders", "50", "--db", str(db)], env=env, cwd=work)
    found = json.loads(
        run(
            [orderview, "search", "", "--json", "--limit", "1", "--db", str(db)], env=env, cwd=work
        ).stdout
    )
    store_id = found["orders"][0]["store_id"]
    shown = json.loads(
        run([orderview, "show", store_id, "--json", "--db", str(db)], env=env, cwd=work).stdout
    )
    if shown["store_id"] != store_id:
        raise SmokeFailure(f"orderview show {store_id} showed {shown['store_id']}")
    refused = run([orderview, "search", "x", "--db", PG_URL], env=env, cwd=work, expect=2)
    lines = refused.stderr.strip().splitlines()
    if len(lines) != 1 or "orderview[postgres]" not in lines[0]:
        raise SmokeFailure(f"a PostgreSQL URL without asyncpg said: {refused.stderr!r}")
    return db


def check_app(bin_dir: Path, env: dict[str, str], work: Path, db: Path) -> None:
    """The TUI in a pseudo-terminal: wait for the orders screen, then ctrl+q."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [str(bin_dir / "orderview"), "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=work,
        start_new_session=True,
        env=env | {"TERM": "xterm-256color"},
    )
    os.close(slave)
    seen = b""
    painted = False
    try:
        deadline = time.monotonic() + APP_START_LIMIT
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
            # The orders screen: its column titles and its status line of newest orders.
            if b"newest 50 orders" in seen and b"Order ID" in seen:
                painted = True
                break
        if not painted:
            raise SmokeFailure(
                "the app did not paint the orders screen; it wrote:\n"
                + seen[-3000:].decode("utf-8", "replace")
            )
        os.write(master, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        code = proc.wait(timeout=10)
        if code != 0:
            raise SmokeFailure(f"the app exited {code} after ctrl+q")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def smoke(python: str, wheel: Path, scratch: Path, want_version: str) -> float:
    started = time.monotonic()
    venv = scratch / "venv"
    env = clean_env(scratch)
    work = scratch / "work"
    work.mkdir()
    run([python, "-m", "venv", str(venv)], env=env, cwd=work)
    bin_dir = venv / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], env=env, cwd=work)
    check_site_packages(bin_dir / "python", env, work)
    db = check_commands(bin_dir, env, work, want_version)
    check_app(bin_dir, env, work, db)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="X.Y=PATH",
        help="use this interpreter for version X.Y",
    )
    parser.add_argument(
        "--versions",
        default=",".join(VERSIONS),
        help="comma-separated versions to test (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    given = dict(item.split("=", 1) for item in args.python)
    strict = os.environ.get("CI", "").lower() == "true"
    sys.path.insert(0, str(ROOT))
    from orderview import __version__

    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="orderview-wheel-") as tmp:
        wheel = build_wheel(Path(tmp))
        print(f"wheel-smoke: built {wheel.name}", flush=True)
        for version in args.versions.split(","):
            python = given.get(version) or find_python(version)
            if python is None:
                note = (
                    f"wheel-smoke: no Python {version} found (set PYTHON{version.replace('.', '')})"
                )
                if strict:
                    failures.append(note)
                print(note + ("" if strict else "; skipped"), flush=True)
                continue
            if _version_of(python) != version:
                failures.append(f"wheel-smoke: {python} is not Python {version}")
                continue
            scratch = Path(tmp) / f"py{version}"
            scratch.mkdir()
            try:
                took = smoke(python, wheel, scratch, __version__)
            except (SmokeFailure, subprocess.TimeoutExpired) as exc:
                failures.append(f"wheel-smoke: Python {version}: {exc}")
                print(failures[-1], flush=True)
                continue
            print(f"wheel-smoke: Python {version} ({python}): ok in {took:.0f} s", flush=True)
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
