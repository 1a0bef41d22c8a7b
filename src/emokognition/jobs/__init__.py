"""Jobs: run an analysis by id, inline (threads in the serving process) or on Celery workers.

`AnalysisService` is what callers use: it records an analysis and hands it to a `JobRunner`.
"""

from __future__ import annotations

from emokognition.config import Settings
from emokognition.jobs.context import Analyzers, JobContext
from emokognition.jobs.inline import InlineRunner
from emokognition.jobs.metrics import JobMetrics
from emokognition.jobs.run import Outcome, run_analysis
from emokognition.jobs.runner import JobRunner
from emokognition.jobs.service import AnalysisService, Submission


def create_runner(context: JobContext) -> JobRunner:
    """The runner that `context.settings.jobs` names ("inline" or "celery")."""
    if context.settings.jobs == "celery":
        from emokognition.jobs.celery_app import CeleryRunner

        return CeleryRunner(context.settings, context.database)
    return InlineRunner(context)


def create_service(settings: Settings, *, metrics: JobMetrics | None = None) -> AnalysisService:
    """A service with its database, media store, models and runner (not started)."""
    context = JobContext.create(settings, metrics=metrics)
    return AnalysisService(context, create_runner(context))


__all__ = [
    "AnalysisService",
    "Analyzers",
    "InlineRunner",
    "JobContext",
    "JobMetrics",
    "JobRunner",
    "Outcome",
    "Submission",
    "create_runner",
    "create_service",
    "run_analysis",
]
