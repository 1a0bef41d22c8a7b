"""Run every benchmark module in turn, each in its own process (clean memory, clean threads)."""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec

MODULES = (
    "benchmarks.cold_start",
    "benchmarks.core",
    "benchmarks.decode_memory",
    "benchmarks.hostile",
    "benchmarks.video",
    "benchmarks.service",
    "benchmarks.streams",
    "benchmarks.stats_scale",
    "benchmarks.long_video",
    "benchmarks.bot",
)


def main() -> int:
    failed = 0
    for module in MODULES:
        if find_spec(module) is None:
            continue
        print(f"\n== {module} ==", flush=True)
        failed |= subprocess.run(
            [sys.executable, "-m", module, *sys.argv[1:]], check=False
        ).returncode
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
