"""How fast jobs go here, measured: what a full pool's `Retry-After` is based on."""

from __future__ import annotations

import math
import threading
from collections import deque


class JobPace:
    """The mean time of the last `window` finished jobs, and the drain time it implies.

    Args:
        window: Finished jobs the mean is taken over (recent ones: the load changes).
        first_guess: Seconds per job until one has finished.
    """

    def __init__(self, *, window: int = 32, first_guess: float = 1.0) -> None:
        self._seconds: deque[float] = deque(maxlen=window)
        self._first_guess = first_guess
        self._lock = threading.Lock()

    def record(self, seconds: float) -> None:
        """One job took `seconds` (wall clock, failed jobs too)."""
        with self._lock:
            self._seconds.append(max(0.0, seconds))

    def seconds_per_job(self) -> float:
        with self._lock:
            if not self._seconds:
                return self._first_guess
            return sum(self._seconds) / len(self._seconds)

    def drain_seconds(self, jobs: int, workers: int) -> int:
        """Whole seconds (at least 1, for `Retry-After`) until `jobs` jobs on `workers`
        workers side by side are done, at the measured pace."""
        return max(1, math.ceil(jobs * self.seconds_per_job() / max(1, workers)))
