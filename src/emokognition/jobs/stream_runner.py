"""Who runs live streams: a thread per stream in the serving process (inline), or Celery
workers (`jobs.celery_app`). Either way the database holds the truth: a stream nobody runs
(never taken, given back, or its worker lost) is taken by the next sweep of any process."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from emokognition.errors import EmokognitionError, QueueFull
from emokognition.jobs.context import JobContext
from emokognition.jobs.periodic import Periodic, sweep_interval
from emokognition.jobs.stream_run import run_stream
from emokognition.store import resumable_streams

logger = logging.getLogger(__name__)


class StreamRunner(Protocol):
    """Runs streams by id until they are over."""

    name: str

    def start(self) -> None:
        """Begin taking streams (inline: resume those nobody runs)."""

    def submit(self, stream_id: str) -> None:
        """Run a recorded stream.

        Raises:
            Unavailable: No broker now, or this process is shutting down.
        """

    def close(self) -> None:
        """Stop taking streams; give the running ones back for another process to go on."""


class InlineStreams:
    """A thread per stream in this process, at most `max_streams` at once, and a sweeper
    that takes the streams nobody runs (those of a process that died or stopped)."""

    name = "inline"

    def __init__(self, context: JobContext) -> None:
        self._context = context
        self._limit = context.settings.max_streams
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}
        self._closing = threading.Event()
        self._sweeper = Periodic(
            "stream-sweeper",
            sweep_interval(context.settings.job_lease),
            self.sweep,
            what="stream sweep",
        )

    def start(self) -> None:
        self._sweeper.start()

    def submit(self, stream_id: str) -> None:
        with self._lock:
            if self._closing.is_set():
                raise QueueFull("the service is shutting down", retry_after=5)
            if stream_id in self._running or len(self._running) >= self._limit:
                return  # running, or taken by the next sweep once there is room
            thread = threading.Thread(
                target=self._run, args=(stream_id,), name=f"stream-{stream_id[:8]}"
            )
            self._running[stream_id] = thread
        thread.start()

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def close(self) -> None:
        self._closing.set()
        self._sweeper.stop()
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join()

    def sweep(self) -> int:
        """Start the streams nobody runs, as far as there is room; returns how many."""
        with self._lock:
            room = self._limit - len(self._running)
        if room <= 0 or self._closing.is_set():
            return 0
        with self._context.database.session() as session:
            ids = resumable_streams(session=session, limit=room)
        for stream_id in ids:
            self.submit(stream_id)
        if ids:
            logger.info("resumed %d streams", len(ids))
        return len(ids)

    def _run(self, stream_id: str) -> None:
        try:
            run_stream(stream_id, self._context, closing=self._closing)
        except EmokognitionError as exc:  # database gone: the sweeper retries later
            logger.warning("stream %s not run: %s", stream_id, exc.message)
        except Exception:  # never let a stream thread die silently
            logger.exception("stream %s: runner crashed", stream_id)
        finally:
            with self._lock:
                self._running.pop(stream_id, None)
