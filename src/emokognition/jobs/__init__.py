"""Jobs: run an analysis or a live stream by id, inline (threads in the serving process) or on
Celery workers.

Callers go through `emokognition.app.AnalysisService`, which records an analysis (or a
stream) and hands it to the `JobRunner` (or `StreamRunner`) made here.
"""

from __future__ import annotations

from emokognition.jobs.context import JobContext
from emokognition.jobs.execute import Outcome, run_analysis
from emokognition.jobs.inline import InlineRunner
from emokognition.jobs.metrics import JobMetrics
from emokognition.jobs.runner import JobRunner
from emokognition.jobs.stream_run import StreamOutcome, run_stream
from emokognition.jobs.stream_runner import InlineStreams, StreamRunner


def create_runner(context: JobContext) -> JobRunner:
    """The runner that `context.settings.jobs` names ("inline" or "celery")."""
    if context.settings.jobs == "celery":
        from emokognition.jobs.celery_app import CeleryRunner

        return CeleryRunner(context.settings, context.database)
    return InlineRunner(context)


def create_stream_runner(context: JobContext, runner: JobRunner) -> StreamRunner:
    """Streams run where the analyses of `runner` run: Celery workers, or this process."""
    if context.settings.jobs == "celery":
        from emokognition.jobs.celery_app import CeleryRunner, CeleryStreams

        if isinstance(runner, CeleryRunner):
            return CeleryStreams(runner)
    return InlineStreams(context)


__all__ = [
    "InlineRunner",
    "InlineStreams",
    "JobContext",
    "JobMetrics",
    "JobRunner",
    "Outcome",
    "StreamOutcome",
    "StreamRunner",
    "create_runner",
    "create_stream_runner",
    "run_analysis",
    "run_stream",
]
