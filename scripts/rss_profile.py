"""Memory over time of a command and its child processes: where in a run the peak falls.

Runs the command, samples ``VmRSS``, ``RssAnon`` and ``RssFile`` of it and every descendant
(the demo's worker processes) from ``/proc`` every ``--every`` seconds into a TSV file, and
prefixes each line the command prints (the demo's progress and phase lines) with the seconds
since the start, so the samples can be matched to phases. Linux only. Used for the demo's
memory profile in docs/benchmarks.md ("Generating ten million licenses"):

    flock /work/wt/heavy.lock /usr/bin/time -v python scripts/rss_profile.py /tmp/rss.tsv -- \\
        orderview demo --db /tmp/s1000000.db --orders 1000000
    python scripts/rss_profile.py --summary /tmp/rss.tsv

``/usr/bin/time``'s maximum resident set size is the largest of any one process of the tree
(the waited child's, which includes its reaped children's), so wrapping this script does not
change it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

FIELDS = ("VmRSS", "RssAnon", "RssFile")


def status(pid: int) -> dict[str, int] | None:
    """The sampled fields of one process, in kB (None once it has gone)."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in FIELDS:
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        return None
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid] + [p for child in children for p in tree(int(child))]


def record(out: Path, command: list[str], every: float) -> int:
    began = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def echo() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            for part in line.replace("\r", "\n").splitlines():
                if part.strip():
                    print(f"[{time.monotonic() - began:7.1f}] {part}", flush=True)

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    with out.open("w") as f:
        f.write("seconds\tpid\trole\t" + "\t".join(FIELDS) + "\n")
        while proc.poll() is None:
            now = time.monotonic() - began
            for i, pid in enumerate(tree(proc.pid)):
                found = status(pid)
                if found:
                    role = "main" if i == 0 else "child"
                    values = "\t".join(str(found.get(k, 0)) for k in FIELDS)
                    f.write(f"{now:.1f}\t{pid}\t{role}\t{values}\n")
            f.flush()
            time.sleep(every)
    reader.join(timeout=5)
    print(f"exit status {proc.returncode}, {time.monotonic() - began:.1f} s")
    return proc.returncode


def summary(path: Path, step: float) -> None:
    """The main process's RSS a line per ``step`` seconds (MB), and each process's peak."""
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    peaks: dict[str, tuple[int, float]] = {}
    shown = -1e9
    for seconds, pid, role, rss, anon, file in rows:
        t = float(seconds)
        name = f"{role} {pid}"
        if int(rss) > peaks.get(name, (0, 0.0))[0]:
            peaks[name] = (int(rss), t)
        if role == "main" and t - shown >= step:
            shown = t
            mb = [int(v) >> 10 for v in (rss, anon, file)]
            print(f"{t:7.1f} s  main: RSS {mb[0]} MB (anon {mb[1]}, file {mb[2]})")
    for name, (rss, t) in peaks.items():
        print(f"peak {name}: {rss >> 10} MB at {t:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], usage="%(prog)s [options] OUT [-- COMMAND …]"
    )
    parser.add_argument("out", type=Path, help="TSV file of samples")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--summary", action="store_true", help="summarise OUT instead")
    parser.add_argument("--step", type=float, default=5.0, help="summary: seconds a line")
    argv = sys.argv[1:]
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.summary:
        summary(args.out, args.step)
        return 0
    if not command:
        parser.error("no command given (put it after --)")
    return record(args.out, command, args.every)


if __name__ == "__main__":
    sys.exit(main())
