"""Prometheus metrics of the jobs: durations, outcomes, faces analysed by main emotion."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram

from emokognition.emotions import EMOTIONS

_DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
_KINDS = ("image", "video")
_OUTCOMES = ("done", "failed")


class JobMetrics:
    """Job metrics registered in one registry (one per app or worker process).

    Every kind, outcome and emotion is exported from the start (at 0), so that rates and
    ratios over them are defined before the first job of each.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            "emokognition_job_duration_seconds",
            "Time to run one analysis job, by media kind and outcome.",
            ["kind", "status"],
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.faces = Counter(
            "emokognition_faces_analysed",
            "Faces analysed by finished jobs, by main emotion (video: face-frames).",
            ["main"],
            registry=registry,
        )
        for kind in _KINDS:
            for status in _OUTCOMES:
                self.duration.labels(kind=kind, status=status)
        for emotion in EMOTIONS:
            self.faces.labels(main=emotion)

    def observe(
        self, *, kind: str | None, status: str, seconds: float, main: Mapping[str, int]
    ) -> None:
        """Count one finished job; `main` is its result summary's faces by main emotion."""
        self.duration.labels(kind=kind or "unknown", status=status).observe(seconds)
        for emotion, n in main.items():
            if n:
                self.faces.labels(main=emotion).inc(n)
