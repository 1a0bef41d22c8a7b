"""Work done every few seconds in a daemon thread of its own: the sweepers that take up jobs
and streams nobody runs, the Celery sweeper that sends lost messages again, the heartbeat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Periodic:
    """Calls `action` every `every` seconds in a thread named `name` until stopped; the first
    call comes after one period, or at once with `at_once`.

    A failure is logged ("<what> failed") and the next period tries again: the thread
    outlives a bad moment of the database or the broker. `expected` failures are logged in a
    line, others with their traceback.
    """

    def __init__(
        self,
        name: str,
        every: float,
        action: Callable[[], object],
        *,
        what: str,
        at_once: bool = False,
        expected: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.every = every
        self._action = action
        self._what = what
        self._at_once = at_once
        self._expected = expected
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop, waiting for a call in progress to end."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        if self._at_once:
            self._call()
        while not self._stopped.wait(self.every):
            self._call()

    def _call(self) -> None:
        try:
            self._action()
        except self._expected as exc:
            logger.warning("%s failed: %s", self._what, exc)
        except Exception:
            logger.exception("%s failed", self._what)


def sweep_interval(lease: float) -> float:
    """How often a pool looks for work nobody runs: a third of a job's lease (a lost worker's
    job is taken soon after its lease runs out), from 0.2 to 5 s."""
    return max(0.2, min(5.0, lease / 3))
