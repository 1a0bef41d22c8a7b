"""The recognition service: submit media or a URL, wait or not, read, list, delete, count.

The web API, the CLI and the bot call these methods; they never touch tables or models.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from emokognition.config import DETECTORS, Settings
from emokognition.errors import MediaTooLarge, RequestError, Unavailable, UnsupportedFormat
from emokognition.jobs.context import JobContext
from emokognition.jobs.dispatch import VIDEO_UNAVAILABLE, video_analyzer
from emokognition.jobs.runner import JobRunner
from emokognition.media.download import check_url
from emokognition.media.sniff import IMAGE_FORMATS, VIDEO_FORMATS, media_kind, sniff_format
from emokognition.store import (
    Analysis,
    Page,
    Stats,
    count_media_users,
    create_analysis,
    delete_analysis,
    get_analysis,
    get_stats,
    list_analyses,
    status_counts,
)

logger = logging.getLogger(__name__)

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Submission:
    """What to analyse: uploaded bytes or a URL (exactly one), with options.

    Attributes:
        data: The uploaded file's bytes.
        url: An http(s) URL to download in the job.
        detector: "blazeface", "haar" or "dlib"; None for the configured default.
        source: Where the media comes from: "upload", "url", "twitter", ...
    """

    data: bytes | None = None
    url: str | None = None
    detector: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise RequestError("give either a file or a url, not both and not neither")
        if self.detector is not None and self.detector not in DETECTORS:
            raise RequestError(f"unknown detector {self.detector!r} ({', '.join(DETECTORS)})")
        if self.source is not None and not SOURCE_PATTERN.match(self.source):
            raise RequestError(
                "source must be 1-64 letters, digits, '_', '.', ':' or '-', "
                "starting with a letter or digit"
            )


class AnalysisService:
    """Records analyses and hands them to a `JobRunner`.

    Args:
        context: Settings, database and media shared with the jobs.
        runner: Who runs the jobs (inline threads or Celery workers).
    """

    def __init__(self, context: JobContext, runner: JobRunner) -> None:
        self.context = context
        self.runner = runner

    @property
    def settings(self) -> Settings:
        return self.context.settings

    def submit(self, submission: Submission, *, wait: float | None = None) -> Analysis:
        """Record an analysis and queue it; with `wait`, wait that long for it to finish.

        Raises:
            RequestError: Bad options.
            MediaTooLarge: The upload exceeds `max_upload_bytes`.
            UnsupportedFormat: The bytes are no format we read (or a video while video
                analysis is not available).
            ForbiddenURL: The URL is not http(s) or points at a non-public address.
            Unavailable: No room in the queue (`QueueFull`), or no broker.
        """
        if submission.data is not None:
            analysis = self._accept_upload(submission, submission.data)
        else:
            analysis = self._accept_url(submission)
        try:
            self.runner.submit(analysis.id)
        except Unavailable:
            self._forget(analysis)
            raise
        if wait:
            self.runner.wait(analysis.id, wait)
            return self.get(analysis.id)
        return analysis

    def get(self, analysis_id: str) -> Analysis:
        """One analysis with its result. Raises `NotFound`."""
        with self.context.database.session() as session:
            return get_analysis(session=session, analysis_id=analysis_id)

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
        self._drop_media(deleted.media_sha256)
        logger.info("deleted analysis %s", analysis_id)
        return deleted

    def stats(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Stats:
        """The mood statistics over recorded faces."""
        with self.context.database.session() as session:
            return get_stats(session=session, source=source, since=since, until=until)

    def status_counts(self) -> dict[str, int]:
        with self.context.database.session() as session:
            return status_counts(session=session)

    def _accept_upload(self, submission: Submission, data: bytes) -> Analysis:
        limit = self.settings.max_upload_bytes
        if len(data) > limit:
            raise MediaTooLarge(f"upload is {len(data):,} bytes (limit {limit:,})")
        fmt = sniff_format(data[:64])
        if fmt is None:
            raise UnsupportedFormat(
                f"not a supported image ({', '.join(IMAGE_FORMATS)}) "
                f"or video ({', '.join(VIDEO_FORMATS)})"
            )
        kind = media_kind(fmt)
        if kind == "video" and video_analyzer() is None:
            raise UnsupportedFormat(VIDEO_UNAVAILABLE)
        sha256 = self.context.media.put(data)
        with self.context.database.session() as session:
            return create_analysis(
                session=session,
                source=submission.source or "upload",
                kind=kind,
                detector=submission.detector,
                media_sha256=sha256,
                media_format=fmt,
            )

    def _accept_url(self, submission: Submission) -> Analysis:
        url = submission.url or ""
        check_url(url, allow_private=self.settings.allow_private_urls)
        with self.context.database.session() as session:
            return create_analysis(
                session=session,
                source=submission.source or "url",
                detector=submission.detector,
                url=url,
            )

    def _forget(self, analysis: Analysis) -> None:
        """Undo an analysis that could not be queued."""
        with self.context.database.session() as session:
            delete_analysis(session=session, analysis_id=analysis.id)
        self._drop_media(analysis.media_sha256)

    def _drop_media(self, sha256: str | None) -> None:
        if sha256 is None:
            return
        with self.context.database.session() as session:
            if count_media_users(session=session, sha256=sha256):
                return
        self.context.media.delete(sha256)
