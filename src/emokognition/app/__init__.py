"""The application layer: the one way into data and models for the web, the bot and the CLI.

`AnalysisService` is the write side (submit, get, delete, record a post with its analysis) and
the read side (stats, the dashboard's overview, posts, landmarks); `PostLedger` keeps the
bot's exactly-once record. The records they return are the store's frozen dataclasses,
re-exported here so that callers never import the store.
"""

from __future__ import annotations

from emokognition.app.ledger import PostLedger, PostMedia
from emokognition.app.overview import Dashboard, Filters
from emokognition.app.pictures import PageLabel, page_labels
from emokognition.app.service import AnalysisService, Submission
from emokognition.config import Settings
from emokognition.jobs import InlineRunner, JobContext, JobMetrics, JobRunner, create_runner
from emokognition.store import STATUSES, Analysis, JobError, Monitoring, Page, SourcePost, Stats


def create_service(settings: Settings, *, metrics: JobMetrics | None = None) -> AnalysisService:
    """A service with its database, media store, models and runner (not started)."""
    context = JobContext.create(settings, metrics=metrics)
    return AnalysisService(context, create_runner(context))


def create_local_service(settings: Settings) -> AnalysisService:
    """A service that runs analyses in the calling thread (`analyse_now`): the bot's."""
    context = JobContext.create(settings)
    return AnalysisService(context, InlineRunner(context))


__all__ = [
    "STATUSES",
    "Analysis",
    "AnalysisService",
    "Dashboard",
    "Filters",
    "JobError",
    "JobMetrics",
    "JobRunner",
    "Monitoring",
    "Page",
    "PageLabel",
    "PostLedger",
    "PostMedia",
    "SourcePost",
    "Stats",
    "Submission",
    "create_local_service",
    "create_service",
    "page_labels",
]
