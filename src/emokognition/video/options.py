"""How a video is analysed, as one frozen value: sampling, workers, backend, smoothing,
audience buckets."""

from __future__ import annotations

from dataclasses import dataclass

from emokognition.errors import RequestError
from emokognition.extras import require
from emokognition.video.audience import DEFAULT_BUCKET
from emokognition.video.parallel import BACKENDS, Backend
from emokognition.video.sampling import Sampling
from emokognition.video.timeline import DEFAULT_SMOOTHING


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """What `iter_video`, `analyze_video`, the CLI and the jobs ask of a video analysis.

    Attributes:
        fps: Analyse this many frames per second of video (default `settings.video_fps`).
        every: Analyse every N-th frame instead.
        all_frames: Analyse every frame.
        workers: Worker processes; more than 1 splits the video into segments.
        backend: "process" (local processes) or "ray" (a Ray cluster at
            `settings.ray_address`, or a local Ray).
        smoothing: Weight in [0, 1) of each track's past in its per-frame emotions (0: none).
        bucket: Seconds of video per entry of the result's `audience`; None: whole seconds
            enough for at most 720 entries (`audience_bucket`), as the service's jobs use.

    Raises:
        RequestError: Conflicting or bad sampling, workers, backend or smoothing.
        MissingExtra: The ray backend without Ray installed (`emokognition[ray]`).
    """

    fps: float | None = None
    every: int | None = None
    all_frames: bool = False
    workers: int = 1
    backend: Backend = "process"
    smoothing: float = DEFAULT_SMOOTHING
    bucket: float | None = DEFAULT_BUCKET

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise RequestError(f"workers must be >= 1, got {self.workers}")
        if self.backend not in BACKENDS:
            raise RequestError(f"unknown backend {self.backend!r} ({', '.join(BACKENDS)})")
        if self.backend == "ray":
            require("the ray backend", "ray")  # before any decode
        if not 0.0 <= self.smoothing < 1.0:
            raise RequestError(f"smoothing must be in [0, 1), got {self.smoothing}")
        if self.bucket is not None and not self.bucket > 0:
            raise RequestError(f"bucket must be a positive number of seconds, got {self.bucket}")
        self.sampling(default_fps=1.0)  # conflicting or bad sampling fails here, at once

    @property
    def parallel(self) -> bool:
        return self.workers > 1 or self.backend == "ray"

    def sampling(self, *, default_fps: float) -> Sampling:
        """The frames to analyse; `default_fps` per second when nothing was asked."""
        try:
            return Sampling.choose(
                fps=self.fps, every=self.every, all_frames=self.all_frames, default_fps=default_fps
            )
        except ValueError as exc:
            raise RequestError(str(exc)) from exc
