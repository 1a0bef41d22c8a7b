"""How jobs are handed over to whatever runs them: the `JobRunner` protocol."""

from __future__ import annotations

import time
from typing import Protocol

import anyio
import anyio.to_thread

from emokognition.store import Database, get_analysis


class JobRunner(Protocol):
    """Runs analyses by id: inline threads (`InlineRunner`) or Celery workers (`CeleryRunner`)."""

    name: str

    def start(self) -> None:
        """Begin taking work (inline: resume what a previous process had accepted)."""

    def submit(self, analysis_id: str) -> None:
        """Queue a recorded analysis.

        Raises:
            Unavailable: No room or no broker now (`QueueFull` for a full inline pool).
        """

    def wait(self, analysis_id: str, timeout: float) -> None:
        """Return when the analysis is finished, or after `timeout` seconds."""

    async def wait_async(self, analysis_id: str, timeout: float) -> None:
        """`wait` for the event loop: a waiting request holds no thread."""

    def queue_depth(self) -> int:
        """Jobs waiting to be run."""

    def workers(self) -> int:
        """Workers alive to run jobs: inline threads, or Celery workers heard from lately.

        Raises:
            Unavailable: The database (where Celery workers beat) cannot be reached.
        """

    def check(self) -> None:
        """Raise `Unavailable` when jobs cannot be taken now."""

    def close(self) -> None:
        """Stop taking work; jobs not started stay queued in the database."""


def wait_for_database(database: Database, analysis_id: str, timeout: float) -> None:
    """Poll the database (from 20 ms up to every 250 ms) until the analysis is finished."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while not _finished(database, analysis_id):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(pause, left))
        pause = min(pause * 1.5, 0.25)


async def wait_for_database_async(database: Database, analysis_id: str, timeout: float) -> None:
    """`wait_for_database` between awaits: each look takes a thread for one query only."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while not await anyio.to_thread.run_sync(_finished, database, analysis_id):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await anyio.sleep(min(pause, left))
        pause = min(pause * 1.5, 0.25)


def _finished(database: Database, analysis_id: str) -> bool:
    with database.session() as session:
        return get_analysis(session=session, analysis_id=analysis_id).finished
