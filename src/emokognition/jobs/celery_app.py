"""Celery jobs: workers over Redis (or RabbitMQ), late acknowledgement, the database as truth.

A worker killed in the middle of a job never acknowledges its message, so the broker hands it
to another worker (RabbitMQ at once, Redis after `broker_visibility_timeout`); that worker
finds the job's lease run out in the database and takes it over, or marks it failed once the
job's workers were lost `job_attempts` times.

A live stream's task is acknowledged when it starts (it may run for hours, longer than any
broker waits for an acknowledgement): a stream whose worker dies is found by the sweepers,
from its lease in the database, and sent again. A worker that shuts down gives its streams
back, for another worker to go on with at once.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from celery import Celery, Task, signals
from kombu.exceptions import OperationalError as BrokerError

from emokognition.config import Settings
from emokognition.errors import EmokognitionError, Unavailable
from emokognition.jobs.context import JobContext
from emokognition.jobs.execute import run_analysis
from emokognition.jobs.heartbeat import SEEN_WITHIN, Heartbeat
from emokognition.jobs.periodic import Periodic
from emokognition.jobs.runner import wait_for_database, wait_for_database_async
from emokognition.jobs.stream_run import run_stream
from emokognition.store import Database, count_workers, mark_streams_for_resend
from emokognition.store.job_state import mark_for_resend

logger = logging.getLogger(__name__)

TASK = "emokognition.analyse"
STREAM_TASK = "emokognition.stream"

# Set when this worker process begins to shut down: its streams are given back.
_closing = threading.Event()

_contexts: weakref.WeakKeyDictionary[Celery, Callable[[], JobContext]] = weakref.WeakKeyDictionary()
# Set when the worker begins a warm shutdown (SIGTERM): running videos stop between batches.
_stopping: weakref.WeakKeyDictionary[Celery, threading.Event] = weakref.WeakKeyDictionary()


def create_celery(settings: Settings) -> Celery:
    """A Celery app for these settings, with the analysis task registered.

    The task builds its `JobContext` (database, models) once per worker process, on first use.
    """
    app = Celery("emokognition", broker=settings.broker_url, set_as_current=False)
    visibility = settings.broker_visibility_timeout
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        task_ignore_result=True,
        task_default_queue=settings.celery_queue,
        worker_prefetch_multiplier=1,
        # Celery 6's default: tasks of a lost broker connection are redelivered, not acked.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, round(visibility / 4))),
            "unacked_restore_throttle": 1,
        },
    )
    holder: dict[str, JobContext] = {}
    lock = threading.Lock()
    stopping = threading.Event()

    def context() -> JobContext:
        with lock:
            if "context" not in holder:
                holder["context"] = JobContext.create(settings)
            return holder["context"]

    @app.task(name=TASK, bind=True, max_retries=None)
    def analyse(task: Task[Any, Any], analysis_id: str) -> str:
        try:
            outcome = run_analysis(analysis_id, context(), stopping=stopping)
        except Unavailable as exc:
            logger.warning("analysis %s: %s; retrying", analysis_id, exc.message)
            raise task.retry(countdown=exc.retry_after) from exc
        if outcome.status == "interrupted":  # queued again in the database: to the broker too
            raise task.retry(countdown=0)
        if outcome.status == "busy":
            # Another worker holds the lease: look again when it runs out, in case it died.
            raise task.retry(countdown=outcome.retry_in)
        return outcome.status

    @app.task(name=STREAM_TASK, acks_late=False, ignore_result=True)
    def watch(stream_id: str) -> str:
        try:
            outcome = run_stream(stream_id, context(), closing=_closing)
        except Unavailable as exc:  # its lease runs out and a sweeper sends it again
            logger.warning("stream %s not run: %s", stream_id, exc.message)
            return "unavailable"
        return outcome.status

    _contexts[app] = context
    _stopping[app] = stopping
    return app


@signals.worker_shutting_down.connect
def _give_streams_back(**_: Any) -> None:
    _closing.set()


def worker_context(app: Celery) -> JobContext:
    """The `JobContext` of this worker process (created on first use)."""
    return _contexts[app]()


class CeleryRunner:
    """Sends jobs to Celery workers; waits by polling the database."""

    name = "celery"

    def __init__(self, settings: Settings, database: Database) -> None:
        self.app = create_celery(settings)
        self._database = database
        self._queue = settings.celery_queue

    def start(self) -> None:
        return None

    def submit(self, analysis_id: str) -> None:
        self._send(TASK, analysis_id)

    def submit_stream(self, stream_id: str) -> None:
        """Send a stream's job (see `CeleryStreams`)."""
        self._send(STREAM_TASK, stream_id)

    def _send(self, task: str, job_id: str) -> None:
        try:
            self.app.send_task(
                task,
                args=[job_id],
                queue=self._queue,
                retry=True,
                retry_policy={
                    "max_retries": 2,
                    "interval_start": 0.2,
                    "interval_step": 0.5,
                    "interval_max": 1.0,
                },
            )
        except (BrokerError, OSError) as exc:
            logger.warning("job queue unavailable: %s", exc)  # names the broker's host
            raise Unavailable("job queue unavailable", retry_after=10) from exc

    def wait(self, analysis_id: str, timeout: float) -> None:
        if self.workers() > 0:  # else nobody would finish it meanwhile
            wait_for_database(self._database, analysis_id, timeout)

    async def wait_async(self, analysis_id: str, timeout: float) -> None:
        if await anyio.to_thread.run_sync(self.workers) > 0:
            await wait_for_database_async(self._database, analysis_id, timeout)

    def workers(self) -> int:
        """Workers of this queue heard from in the last `SEEN_WITHIN` seconds."""
        with self._database.session() as session:
            return count_workers(session=session, queue=self._queue, within=SEEN_WITHIN)

    def queue_depth(self) -> int:
        try:
            with self.app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1)
                channel: Any = connection.default_channel
                try:
                    declared = channel.queue_declare(queue=self._queue, passive=True)
                except connection.channel_errors:
                    return 0  # never declared: nothing was ever queued
                return int(declared.message_count)
        except (BrokerError, OSError) as exc:
            logger.warning("job queue unavailable: %s", exc)  # names the broker's host
            raise Unavailable("job queue unavailable", retry_after=10) from exc

    def check(self) -> None:
        self.queue_depth()

    def close(self) -> None:
        self.app.close()


class CeleryStreams:
    """Streams run by Celery workers: sent over the analyses' broker and queue."""

    name = "celery"

    def __init__(self, runner: CeleryRunner) -> None:
        self._runner = runner

    def start(self) -> None:
        return None

    def submit(self, stream_id: str) -> None:
        self._runner.submit_stream(stream_id)

    def close(self) -> None:
        return None


class BrokerSweeper:
    """Sends again, from every worker, the jobs whose message the broker may have lost.

    The database is the truth: a job queued for longer than the broker's visibility timeout
    (Redis restarted without persistence, or the API died between committing the row and
    sending the message) or running under a lease that ran out that long ago gets a new
    message; `mark_for_resend` makes one sweeper of the fleet send it, once per period. A
    stream nobody runs (its worker lost) is sent again as soon as its lease has run out.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        send: Callable[[str], object],
        send_stream: Callable[[str], object],
    ) -> None:
        self._database = database
        self._send = send
        self._send_stream = send_stream
        self._after = settings.broker_visibility_timeout
        self._stream_after = settings.job_lease
        self._periodic = Periodic(
            "broker-sweeper",
            max(0.5, min(30.0, self._after / 2, settings.job_lease / 2)),
            self.sweep,
            what="broker sweep",
            expected=(EmokognitionError, BrokerError, OSError),  # the next period, then
        )

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def sweep(self) -> int:
        """Send the due jobs' messages again; returns how many."""
        with self._database.session() as session:
            ids = mark_for_resend(session=session, after=self._after, limit=500)
            streams = mark_streams_for_resend(session=session, after=self._stream_after, limit=100)
        for analysis_id in ids:
            self._send(analysis_id)
        for stream_id in streams:
            self._send_stream(stream_id)
        if ids:
            logger.info("sent %d queued analyses to the broker again", len(ids))
        if streams:
            logger.info("sent %d streams nobody runs to the broker again", len(streams))
        return len(ids) + len(streams)


def run_worker(settings: Settings, *, concurrency: int, loglevel: str = "INFO") -> None:
    """Run a Celery worker in this process (threads pool: models load once per process)."""
    from emokognition.store import upgrade

    app = create_celery(settings)
    context = worker_context(app)
    upgrade(context.database)
    try:
        context.analyzers.get()
    except EmokognitionError as exc:
        logger.error("models not loaded: %s; jobs will fail until they are", exc.message)
    sweeper = BrokerSweeper(
        settings,
        context.database,
        lambda analysis_id: app.send_task(TASK, args=[analysis_id], queue=settings.celery_queue),
        lambda stream_id: app.send_task(STREAM_TASK, args=[stream_id], queue=settings.celery_queue),
    )
    # SIGTERM (a warm shutdown) would wait for every running job to finish: stop them between
    # batches instead; they are queued again and another worker runs them.
    signals.worker_shutting_down.connect(lambda **_: _stopping[app].set(), weak=False)
    heartbeat = Heartbeat(context.database, settings.celery_queue)
    sweeper.start()
    heartbeat.start()
    try:
        _work(app, settings, concurrency=concurrency, loglevel=loglevel)
    finally:
        heartbeat.stop()
        sweeper.stop()


def _work(app: Celery, settings: Settings, *, concurrency: int, loglevel: str) -> None:
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--queues={settings.celery_queue}",
            f"--hostname=emokognition-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
