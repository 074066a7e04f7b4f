"""``make bench``: run every benchmark in turn, each in its own process, with its defaults.

Each prints its own Markdown tables; docs/benchmarks.md records the figures with the commands.
A benchmark's failure is reported and the others still run; the exit status says if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = ("issue_licenses", "export_large", "demo_scale", "bandwidth")


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"])
        print(f"=== benchmarks.{name}: exit {result.returncode}, "
              f"{time.perf_counter() - began:.0f} s ===", flush=True)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
