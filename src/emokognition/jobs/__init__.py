"""Jobs: run an analysis by id, inline (threads in the serving process) or on Celery workers.

Callers go through `emokognition.app.AnalysisService`, which records an analysis and hands it
to the `JobRunner` made here.
"""

from __future__ import annotations

from emokognition.jobs.context import JobContext
from emokognition.jobs.execute import Outcome, run_analysis
from emokognition.jobs.inline import InlineRunner
from emokognition.jobs.metrics import JobMetrics
from emokognition.jobs.runner import JobRunner


def create_runner(context: JobContext) -> JobRunner:
    """The runner that `context.settings.jobs` names ("inline" or "celery")."""
    if context.settings.jobs == "celery":
        from emokognition.jobs.celery_app import CeleryRunner

        return CeleryRunner(context.settings, context.database)
    return InlineRunner(context)


__all__ = [
    "InlineRunner",
    "JobContext",
    "JobMetrics",
    "JobRunner",
    "Outcome",
    "create_runner",
    "run_analysis",
]
