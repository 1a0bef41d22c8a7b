"""The application's one way in: submit media or a URL, wait or not, read, list, delete,
count; the dashboard's overview and the bot's posts.

The web API and pages, the CLI and the bot call these methods; they never open a database
session, touch tables or load models themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from emokognition.app.catalog import PAGE_SIZE, Catalog, ListFilters, load_catalog
from emokognition.app.exports import StatsQuery, StatsTable, faces_csv, load_stats_table
from emokognition.app.intake import Intake
from emokognition.app.ledger import PostLedger, PostMedia
from emokognition.app.overview import Dashboard, Filters, load_dashboard
from emokognition.app.previews import THUMBNAIL_SIZE, thumbnail
from emokognition.app.streams import StreamService
from emokognition.app.submission import Submission
from emokognition.config import Settings
from emokognition.errors import NotFound, RequestError, Unavailable
from emokognition.jobs import JobContext, JobRunner, run_analysis
from emokognition.store import (
    Analysis,
    FramePage,
    Monitoring,
    Page,
    SourcePost,
    Stats,
    delete_analysis,
    frame_page,
    get_analysis,
    get_stats,
    list_analyses,
    list_source_posts,
    oldest_queued_at,
    read_monitoring,
    upgrade,
    utcnow,
)

logger = logging.getLogger(__name__)

FIRST_FRAMES = 100
"""Frames of a video served with its analysis; `frames()` gives the others."""
MAX_FRAMES = 1000
"""The most frames in one page."""


class AnalysisService:
    """Records analyses and hands them to a `JobRunner`.

    Args:
        context: Settings, database and media shared with the jobs.
        runner: Who runs the jobs (inline threads or Celery workers).
        streams: Live streams (`StreamService`); None where none are run (the bot).
    """

    def __init__(
        self, context: JobContext, runner: JobRunner, streams: StreamService | None = None
    ) -> None:
        self.context = context
        self.runner = runner
        self.intake = Intake(context)
        self._streams = streams

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def dialect(self) -> str:
        """The database's SQL dialect: "sqlite" or "postgresql"."""
        return self.context.database.dialect

    def ping_database(self) -> None:
        """Raise `Unavailable` when the database does not answer."""
        self.context.database.ping()

    def check_queue(self) -> None:
        """Raise `Unavailable` when jobs cannot be taken now."""
        self.runner.check()

    def queue_depth(self) -> int:
        """Jobs waiting to be run."""
        return self.runner.queue_depth()

    def workers(self) -> int:
        """Workers alive to run jobs (Celery: heard from in the last 20 s)."""
        return self.runner.workers()

    def oldest_queued_age(self) -> float | None:
        """Seconds the oldest analysis still queued has waited; None when none is."""
        with self.context.database.session() as session:
            at = oldest_queued_at(session=session)
        return None if at is None else max((utcnow() - at).total_seconds(), 0.0)

    def migrate(self) -> None:
        """Bring the database to this version's schema (safe from many processes at once)."""
        upgrade(self.context.database)

    @property
    def streams(self) -> StreamService:
        """Live streams: start, read, list, stop.

        Raises:
            Unavailable: This service runs no streams.
        """
        if self._streams is None:
            raise Unavailable("this service does not run live streams")
        return self._streams

    def start(self) -> None:
        """Begin taking jobs (inline: resume what a previous process had accepted)."""
        self.runner.start()
        if self._streams is not None:
            self._streams.start()

    def ledger(self) -> PostLedger:
        """The bot's ledger over this service's database."""
        return PostLedger(self.context.database)

    def close(self) -> None:
        """Stop the runners (streams are given back) and close the database connections."""
        if self._streams is not None:
            self._streams.close()
        self.runner.close()
        self.context.database.dispose()

    def submit(self, submission: Submission, *, wait: float | None = None) -> Analysis:
        """Record an analysis and queue it; with `wait`, wait that long for it to finish.

        Raises:
            RequestError: Bad options.
            MediaTooLarge: The upload exceeds `max_upload_bytes`.
            UnsupportedFormat: The bytes are no format we read (or a video while video
                analysis is not available).
            ForbiddenURL: The URL is not http(s) or points at a non-public address.
            Unavailable: No room in the queue (`QueueFull`), or no broker.

        A submission with a `post` that was recorded before gets that post's analysis back
        (sent again after its answer was lost): nothing new is recorded, queued or counted.
        """
        if submission.data is not None:
            analysis, new = self.intake.upload(submission, submission.data)
        else:
            analysis, new = self.intake.url(submission), True
        if new:
            try:
                self.runner.submit(analysis.id)
            except Unavailable:
                self.intake.forget(analysis)
                raise
        if wait:
            self.runner.wait(analysis.id, wait)
            return self.get(analysis.id)
        return analysis

    async def wait(self, analysis_id: str, timeout: float) -> Analysis:
        """Wait on the event loop (no thread held) up to `timeout` seconds for the analysis to
        finish; returns it as it then is."""
        await self.runner.wait_async(analysis_id, timeout)
        return await anyio.to_thread.run_sync(self.get, analysis_id)

    def record_post(self, media: PostMedia) -> SourcePost:
        """Record a post's picture with a new analysis of it, in one transaction (see
        `Intake.post`)."""
        return self.intake.post(media)

    def analyse_now(
        self, analysis_id: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> Analysis:
        """Run the analysis in this thread unless it is finished; waits out the lease of a
        worker that was lost. Returns it finished."""
        while True:
            run = run_analysis(analysis_id, self.context)
            if run.status != "busy":
                break
            logger.info(
                "analysis %s: held by another worker; waiting %.1f s", analysis_id, run.retry_in
            )
            sleep(run.retry_in)
        return self.get(analysis_id)

    def get(self, analysis_id: str) -> Analysis:
        """One analysis with its result. Raises `NotFound`."""
        with self.context.database.session() as session:
            return get_analysis(session=session, analysis_id=analysis_id)

    def frames(
        self, analysis: Analysis, *, offset: int = 0, limit: int = FIRST_FRAMES
    ) -> FramePage:
        """Frames `offset` to `offset + limit` of a done video analysis (the contract's frame
        dicts), and how many it has; read from its rows, or from its result when it was
        recorded with its frames inside.

        Raises:
            NotFound: The analysis is not a video, or not done.
            RequestError: `offset` below 0, or `limit` not in 1..`MAX_FRAMES`.
        """
        result = analysis.result or {}
        if analysis.status != "done" or result.get("media", {}).get("kind") != "video":
            raise NotFound(f"analysis {analysis.id} has no frames: not a done video analysis")
        if offset < 0 or not 1 <= limit <= MAX_FRAMES:
            raise RequestError(f"frames: offset must be >= 0 and limit in 1..{MAX_FRAMES}")
        with self.context.database.session() as session:
            return frame_page(
                session=session, analysis_id=analysis.id, result=result, offset=offset, limit=limit
            )

    def video_frames(self, analysis: Analysis) -> Iterator[dict[str, Any]]:
        """Every frame of a done video analysis, read a page at a time.

        Raises:
            NotFound: The analysis is not a video, or not done.
        """
        offset = 0
        while True:
            page = self.frames(analysis, offset=offset, limit=MAX_FRAMES)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def list(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        source: str | None = None,
        status: str | None = None,
    ) -> Page:
        """Analyses, newest first, without results."""
        with self.context.database.session() as session:
            return list_analyses(
                session=session, limit=limit, offset=offset, source=source, status=status
            )

    def delete(self, analysis_id: str) -> Analysis:
        """Delete an analysis, its faces, and its media unless another analysis uses it.

        Raises:
            NotFound: No such analysis.
        """
        with self.context.database.session() as session:
            deleted = delete_analysis(session=session, analysis_id=analysis_id)
        self.intake.drop_media(deleted.media_sha256)
        logger.info("deleted analysis %s", analysis_id)
        return deleted

    def stats(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        classifier: str | None = None,
    ) -> Stats:
        """The mood statistics over recorded faces (of one classifier's, when given)."""
        with self.context.database.session() as session:
            return get_stats(
                session=session, source=source, since=since, until=until, classifier=classifier
            )

    def monitoring(self) -> Monitoring:
        """What /metrics reads from the database: analyses by kind and status, the oldest
        queued one, the bot's posts and replies, failed downloads."""
        with self.context.database.session() as session:
            return read_monitoring(session=session)

    def has_media(self, analysis: Analysis) -> bool:
        """Whether the analysis's picture or video is stored (still, or already)."""
        return analysis.media_sha256 is not None and analysis.media_sha256 in self.context.media

    def media_file(self, analysis: Analysis) -> Path:
        """The stored file as uploaded or downloaded.

        Raises:
            NotFound: No media is stored for the analysis (yet).
        """
        if analysis.media_sha256 is None or not self.has_media(analysis):
            raise NotFound(f"analysis {analysis.id} has no stored media (yet)")
        return self.context.media.path(analysis.media_sha256)

    def preview(self, analysis: Analysis) -> Path:
        """A JPEG of at most `THUMBNAIL_SIZE` pixels a side: the image, or a video's first
        frame; made once and kept beside the media (deleted with it).

        Raises:
            NotFound: No media is stored for the analysis.
            MediaError: The media cannot be decoded.
        """
        path = self.media_file(analysis)
        return thumbnail(
            path,
            target=self.context.media.derived(path.name, f"{THUMBNAIL_SIZE}.jpg"),
            kind=analysis.kind or "image",
            max_pixels=self.settings.max_pixels,
            memory_mb=self.settings.decode_memory_mb,
        )

    def overview(self, filters: Filters) -> Dashboard:
        """What the dashboard shows for these filters, read in one transaction."""
        return load_dashboard(self.context, filters)

    def catalog(self, filters: ListFilters, *, offset: int = 0, limit: int = PAGE_SIZE) -> Catalog:
        """A page of the analyses that match, newest first, with the people each counts."""
        return load_catalog(self.context, filters, offset=offset, limit=limit)

    def stats_table(self, query: StatsQuery) -> StatsTable:
        """The statistics of `query` with the mood over time, as one table (`.csv()`)."""
        return load_stats_table(self.context, query)

    def faces_csv(self, analysis_id: str) -> Iterator[str]:
        """The faces of an analysis as CSV text in pieces (`emokognition analyze --format
        csv`'s columns; `input` is the analysis id). Raises `NotFound` at once."""
        return faces_csv(self.context, self.get(analysis_id))

    def posts(
        self,
        *,
        source: str | None = None,
        landmarks_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[SourcePost, ...]:
        """The bot's recorded post pictures, newest first (only the landmark bot's answers
        with `landmarks_only`)."""
        with self.context.database.session() as session:
            return list_source_posts(
                session=session,
                source=source,
                landmarks_only=landmarks_only,
                limit=limit,
                offset=offset,
            )
