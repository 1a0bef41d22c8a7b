"""The application layer: the one way into data and models for the web, the bot and the CLI.

`AnalysisService` is the write side (submit, get, delete, record a post with its analysis) and
the read side (stats, the dashboard's overview, posts, landmarks); its `streams` start, read
and stop live streams; `PostLedger` keeps the bot's exactly-once record. The records they
return are the store's frozen dataclasses, re-exported here so that callers never import the
store.
"""

from __future__ import annotations

from emokognition.app.audiences import audience_of
from emokognition.app.catalog import KINDS, PAGE_SIZE, Catalog, ListFilters
from emokognition.app.exports import StatsQuery, StatsTable
from emokognition.app.ledger import PostLedger, PostMedia
from emokognition.app.overview import COMPARE_MAX, Dashboard, Filters
from emokognition.app.pictures import PageLabel, page_labels
from emokognition.app.service import FIRST_FRAMES, MAX_FRAMES, AnalysisService
from emokognition.app.streams import StreamService, StreamSubmission, display_url
from emokognition.app.submission import PostKey, Submission
from emokognition.config import Settings
from emokognition.jobs import (
    InlineRunner,
    JobContext,
    JobMetrics,
    JobRunner,
    create_runner,
    create_stream_runner,
)
from emokognition.jobs.heartbeat import SEEN_WITHIN as WORKER_SEEN_WITHIN
from emokognition.store import (
    STATUSES,
    STREAM_STATUSES,
    Analysis,
    FramePage,
    JobError,
    Monitoring,
    Page,
    Progress,
    SourcePost,
    Stats,
    Stream,
    StreamPage,
    StreamWindow,
    WindowPage,
)


def create_service(settings: Settings, *, metrics: JobMetrics | None = None) -> AnalysisService:
    """A service with its database, media store, models and runners (not started)."""
    context = JobContext.create(settings, metrics=metrics)
    runner = create_runner(context)
    streams = StreamService(context, create_stream_runner(context, runner))
    return AnalysisService(context, runner, streams)


def create_local_service(settings: Settings) -> AnalysisService:
    """A service that runs analyses in the calling thread (`analyse_now`): the bot's."""
    context = JobContext.create(settings)
    return AnalysisService(context, InlineRunner(context))


__all__ = [
    "COMPARE_MAX",
    "FIRST_FRAMES",
    "KINDS",
    "MAX_FRAMES",
    "PAGE_SIZE",
    "STATUSES",
    "STREAM_STATUSES",
    "WORKER_SEEN_WITHIN",
    "Analysis",
    "AnalysisService",
    "Catalog",
    "Dashboard",
    "Filters",
    "FramePage",
    "JobError",
    "JobMetrics",
    "JobRunner",
    "ListFilters",
    "Monitoring",
    "Page",
    "PageLabel",
    "PostKey",
    "PostLedger",
    "PostMedia",
    "Progress",
    "SourcePost",
    "Stats",
    "StatsQuery",
    "StatsTable",
    "Stream",
    "StreamPage",
    "StreamService",
    "StreamSubmission",
    "StreamWindow",
    "Submission",
    "WindowPage",
    "audience_of",
    "create_local_service",
    "create_service",
    "display_url",
    "page_labels",
]
