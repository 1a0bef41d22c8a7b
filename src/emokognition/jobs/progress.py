"""A running video job's progress, written to its analysis row every few seconds (the API's
`progress`, the running page's bar): often enough to watch, rarely enough to cost nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from emokognition.errors import EmokognitionError
from emokognition.jobs.context import JobContext
from emokognition.store import Analysis, report_progress

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2.0
"""Seconds between two progress writes of one job (the first and the last are always written)."""


class ProgressReport:
    """Called by the video analysis with (frames decoded, frames in the video); writes at most
    one row update per `every` seconds, and always the first and the final count.

    A failed write is logged and skipped: progress is a courtesy, the result is what counts.
    """

    def __init__(
        self,
        context: JobContext,
        job: Analysis,
        *,
        every: float = PROGRESS_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._context = context
        self._job = job
        self._every = every
        self._clock = clock
        self._last: float | None = None
        self.writes = 0

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self._every and done < total:
            return
        self._last = now
        try:
            with self._context.database.session() as session:
                report_progress(
                    session=session,
                    analysis_id=self._job.id,
                    attempt=self._job.attempts,
                    done=done,
                    total=total,
                )
            self.writes += 1
        except (EmokognitionError, SQLAlchemyError) as exc:
            logger.warning("analysis %s: cannot record progress: %s", self._job.id, exc)
