"""Timing helpers shared by the benchmark modules."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(
    work: Callable[[], object], *, min_time: float = 1.0, max_runs: int = 200
) -> float:
    """Median wall time of `work()` after one warm-up, over at least `min_time` seconds."""
    work()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < max_runs and (len(times) < 3 or time.perf_counter() - started < min_time):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
