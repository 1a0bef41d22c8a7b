"""A Celery worker's heartbeat in the database: /health tells how many workers are alive
(none running is the reason sync calls would wait for nothing)."""

from __future__ import annotations

import logging
import os
import socket

from emokognition.errors import EmokognitionError
from emokognition.jobs.periodic import Periodic
from emokognition.store import Database, record_heartbeat, remove_worker, utcnow

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0
"""Seconds between a worker's heartbeats."""
SEEN_WITHIN = 20.0
"""A worker heard from in this many seconds counts as alive (four heartbeats)."""


def worker_name() -> str:
    """This process's name among the workers: `emokognition-<pid>@<host>`, as Celery's."""
    return f"emokognition-{os.getpid()}@{socket.gethostname()}"


class Heartbeat:
    """Records that this worker is alive every `HEARTBEAT_EVERY` seconds, in a thread; the
    worker's row is removed when it stops on purpose."""

    def __init__(self, database: Database, queue: str, *, name: str | None = None) -> None:
        self.database = database
        self.queue = queue
        self.name = name or worker_name()
        self._started_at = utcnow()
        self._periodic = Periodic("heartbeat", HEARTBEAT_EVERY, self.beat, what="heartbeat")

    def start(self) -> None:
        self.beat()  # heard from before the worker takes its first job
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
        try:
            with self.database.session() as session:
                remove_worker(session=session, name=self.name)
        except EmokognitionError as exc:
            logger.warning("worker %s not removed: %s", self.name, exc.message)

    def beat(self) -> None:
        try:
            with self.database.session() as session:
                record_heartbeat(
                    session=session, name=self.name, queue=self.queue, started_at=self._started_at
                )
        except EmokognitionError as exc:  # the next beat, then
            logger.warning("heartbeat not recorded: %s", exc.message)
