"""Inline jobs: a bounded thread pool in the serving process, state in the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from emokognition.errors import EmokognitionError, QueueFull
from emokognition.jobs.context import JobContext
from emokognition.jobs.execute import run_analysis
from emokognition.jobs.pace import JobPace
from emokognition.jobs.periodic import Periodic, sweep_interval
from emokognition.jobs.runner import wait_for_database, wait_for_database_async
from emokognition.store import resumable_analyses

logger = logging.getLogger(__name__)


class InlineRunner:
    """Runs jobs on `workers` threads with room for `queue` more waiting.

    A sweeper thread takes up jobs that nobody runs: those a previous process had accepted
    before it stopped (queued, or running under a lease that ran out).

    Args:
        context: Settings, database, media and models shared by the job threads.
    """

    name = "inline"

    def __init__(self, context: JobContext) -> None:
        settings = context.settings
        self._context = context
        self._workers = settings.inline_workers
        self._capacity = settings.inline_workers + settings.inline_queue
        self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="emokognition-job")
        self._lock = threading.Lock()
        self._pending: dict[str, threading.Event] = {}
        # Requests awaiting a pending job on an event loop: resolved from the job's thread.
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[bool]]]] = {}
        self._pace = JobPace()
        self._closed = threading.Event()
        self._sweeper = Periodic(
            "job-sweeper",
            sweep_interval(settings.job_lease),
            self.sweep,
            what="job sweep",
            at_once=True,  # jobs a previous process accepted
        )

    def start(self) -> None:
        self._sweeper.start()

    def submit(self, analysis_id: str) -> None:
        with self._lock:
            if self._closed.is_set():
                raise QueueFull("the service is shutting down", retry_after=5)
            if analysis_id in self._pending:
                return
            if len(self._pending) >= self._capacity:
                raise QueueFull(
                    f"{len(self._pending)} analyses are running or waiting; try again later",
                    retry_after=self._pace.drain_seconds(len(self._pending), self._workers),
                )
            self._pending[analysis_id] = threading.Event()
        self._executor.submit(self._run, analysis_id)

    def wait(self, analysis_id: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            event = self._pending.get(analysis_id)
        if event is not None:
            event.wait(timeout)
        # Another process's pool may have taken the job meanwhile (`serve --workers N`):
        # follow it in the database for the time left.
        wait_for_database(self._context.database, analysis_id, deadline - time.monotonic())

    async def wait_async(self, analysis_id: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        future: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            pending = analysis_id in self._pending
            if pending:
                self._waiters.setdefault(analysis_id, []).append((loop, future))
        if pending:
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(future, timeout):
                    return  # it ran here to its end, or this process is closing
        # Not ours, or another process's pool took it first (every pool of `serve --workers N`
        # sweeps the queue): follow it in the database for the time left.
        left = deadline - loop.time()
        if left > 0:
            await wait_for_database_async(self._context.database, analysis_id, left)

    def queue_depth(self) -> int:
        with self._lock:
            return max(0, len(self._pending) - self._workers)

    def workers(self) -> int:
        """The job threads of this process (none once closed)."""
        return 0 if self._closed.is_set() else self._workers

    def check(self) -> None:
        if self._closed.is_set():
            raise QueueFull("the service is shutting down", retry_after=5)

    def close(self) -> None:
        """Stop the sweeper, drop jobs not started (they stay queued), and stop running ones
        between batches (queued again, run by the next process)."""
        self._closed.set()
        self._sweeper.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for event in self._pending.values():
                event.set()
            self._pending.clear()
            waiters = [w for ws in self._waiters.values() for w in ws]
            self._waiters.clear()
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future, True)  # answer now: closing

    def _run(self, analysis_id: str) -> None:
        started = time.monotonic()
        ran = False
        try:
            if not self._closed.is_set():
                outcome = run_analysis(analysis_id, self._context, stopping=self._closed)
                ran = outcome.status in ("done", "failed")
                if ran:  # it ran: a measure of the pace
                    self._pace.record(time.monotonic() - started)
        except EmokognitionError as exc:  # database gone: the sweeper retries later
            logger.warning("analysis %s not run: %s", analysis_id, exc.message)
        except Exception:  # never let a job thread die silently
            logger.exception("analysis %s: job runner crashed", analysis_id)
        finally:
            with self._lock:
                event = self._pending.pop(analysis_id, None)
                waiters = self._waiters.pop(analysis_id, [])
            if event is not None:
                event.set()
            for loop, future in waiters:
                with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                    loop.call_soon_threadsafe(_resolve, future, ran)

    def sweep(self) -> int:
        """Submit jobs that nobody runs, as far as there is room; returns how many."""
        with self._lock:
            room = self._capacity - len(self._pending)
            mine = set(self._pending)
        if room <= 0:
            return 0
        with self._context.database.session() as session:
            ids = resumable_analyses(session=session, limit=room + len(mine))
        taken = 0
        for analysis_id in ids:
            if analysis_id in mine or taken >= room:
                continue
            try:
                self.submit(analysis_id)
            except QueueFull:
                break
            taken += 1
        if taken:
            logger.info("resumed %d analyses", taken)
        return taken


def _resolve(future: asyncio.Future[bool], settled: bool) -> None:
    """Wake a request waiting for a job; `settled`: nothing more to wait for here (the job ran
    to its end, or the process is closing), else the job is followed in the database."""
    if not future.done():  # not timed out and cancelled meanwhile
        future.set_result(settled)
