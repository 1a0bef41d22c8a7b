"""Prometheus metrics of the jobs: durations, outcomes, faces analysed."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class JobMetrics:
    """Job metrics registered in one registry (one per app or worker process)."""

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
            "Faces analysed by finished jobs (video: face-frames).",
            registry=registry,
        )

    def observe(self, *, kind: str | None, status: str, seconds: float, faces: int) -> None:
        self.duration.labels(kind=kind or "unknown", status=status).observe(seconds)
        if faces:
            self.faces.inc(faces)
