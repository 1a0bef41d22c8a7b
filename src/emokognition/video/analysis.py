"""Analyse a video: `iter_video` yields tracked frame results as they come, `analyze_video`
returns the whole `VideoResult`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from contextlib import ExitStack, nullcontext
from typing import Any

from emokognition.config import Settings, get_settings
from emokognition.media.budget import MemoryBudget, process_budget
from emokognition.media.info import MediaInfo
from emokognition.video.audience import audience_bucket
from emokognition.video.digest import VideoDigest
from emokognition.video.iteration import Running
from emokognition.video.memory import FrameMemory
from emokognition.video.options import VideoOptions
from emokognition.video.parallel import ParallelRun
from emokognition.video.plan import Plan
from emokognition.video.probe import Probe, VideoFile, VideoSource, probe_video
from emokognition.video.results import FrameResult, VideoResult
from emokognition.video.timeline import Timelines
from emokognition.video.tracker import Tracker
from emokognition.video.workers import AnalyzerSpec, LocalRun
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.detectors import FaceDetector
from emokognition.vision.registry import build_analyzer
from emokognition.vision.results import ModelInfo

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as frames are decoded: (frames decoded so far, frames in the video)."""


class VideoAnalysis(Running[FrameResult]):
    """A video being analysed: iterate for tracked `FrameResult`s as they are ready.

    The video is opened, checked and indexed when this is created (so bad input fails at
    once); decoding and analysis happen while it is iterated. `result()` finishes the
    iteration and returns the whole `VideoResult`. Use it as a context manager, or `close()`
    it, when stopping early.

    Example:
        >>> with iter_video("talk.mp4", fps=2) as frames:
        ...     for frame in frames:
        ...         print(frame.t, [(face.track, face.main) for face in frame.faces])
        ...     result = frames.result()

    Args: see `iter_video`; with `keep_frames=False` no frame result is kept once yielded
    (a caller that stores them as they come, as a service job does, holds no video in
    memory): `result()` is then refused, and `head()` gives everything but the frames.
    """

    def __init__(
        self,
        source: VideoSource,
        options: VideoOptions | None = None,
        *,
        analyzer: Analyzer | None = None,
        detector: str | FaceDetector | None = None,
        settings: Settings | None = None,
        tracker: Tracker | None = None,
        progress: Progress | None = None,
        keep_frames: bool = True,
    ) -> None:
        options = options or VideoOptions()
        self.settings = settings or (analyzer.settings if analyzer else get_settings())
        self.sampling = options.sampling(default_fps=self.settings.video_fps)
        budget = process_budget(self.settings.decode_memory_mb)
        with ExitStack() as probing:  # probing decodes a frame: it takes its turn too

            def reserve(width: int, height: int) -> None:
                memory = FrameMemory.within(width, height, budget.limit)
                probing.enter_context(budget.hold(memory.held, "decoding its frames"))

            file = VideoFile.from_source(source, self.settings)
            self.probe: Probe = probe_video(file, self.settings, on_size=reserve)
        self.plan = Plan.build(self.probe.index, self.sampling, workers=options.workers)
        analyzer = analyzer or build_analyzer(detector, self.settings, "video")
        self.model: ModelInfo = analyzer.model
        # A parallel run's frames are in its workers' processes; a local run holds its share.
        self._budget: MemoryBudget | None = None
        if options.parallel:
            self._run: LocalRun | ParallelRun = ParallelRun(
                AnalyzerSpec.like(analyzer),
                self.probe,
                self.plan,
                workers=options.workers,
                backend=options.backend,
                ray_address=self.settings.ray_address,
            )
        else:
            # Its frames' share of the process's memory budget, held while it runs: two jobs'
            # videos of huge frames take turns (as big images do), and no run needs more.
            self._budget = budget
            info = self.probe.info
            memory = FrameMemory.within(info.width, info.height, budget.limit)
            self._run = LocalRun(analyzer, self.probe, self.plan, memory=memory)
        self._timelines = Timelines(tracker, smoothing=options.smoothing)
        self._bucket = options.bucket or audience_bucket(self.media.duration)
        self._digest = VideoDigest(self._bucket, duration=self.media.duration or 0.0)
        self._progress = progress
        self._keep = keep_frames
        self._frames: list[FrameResult] = []

    @property
    def media(self) -> MediaInfo:
        """What is being analysed."""
        return self.probe.info

    @property
    def skipped(self) -> int:
        """Frames that could not be decoded so far."""
        return self._run.skipped

    def result(self) -> VideoResult:
        """Analyse what is left and return everything: frames, tracks, summary.

        Raises:
            ValueError: The analysis was made with `keep_frames=False`.
        """
        if not self._keep:
            raise ValueError("frames were not kept (keep_frames=False): use head()")
        for _ in self:
            pass
        return VideoResult(
            media=self.media,
            model=self.model,
            sampling=self.sampling,
            frames=tuple(self._frames),
            tracks=self._timelines.tracks(),
            skipped=self._run.skipped,
            bucket=self._bucket,
        )

    def head(self) -> dict[str, Any]:
        """Analyse what is left and return the video result contract without `frames`: media,
        model, sampling, tracks, audience, summary, skipped (what `result().to_dict()` gives
        besides the frames), whether frames were kept or not."""
        for _ in self:
            pass
        tracks = self._timelines.tracks()
        return {
            "media": self.media.to_dict(),
            "model": self.model.to_dict(),
            "sampling": self.sampling.to_dict(),
            "tracks": [track.to_dict() for track in tracks],
            "audience": [mood.to_dict() for mood in self._digest.audience()],
            "summary": self._digest.summary(tracks=len(tracks)),
            "skipped": self._run.skipped,
        }

    @property
    def analysed(self) -> int:
        """Frames analysed so far."""
        return self._digest.frames

    def _produce(self) -> Generator[FrameResult, None, None]:
        started = time.perf_counter()
        total = len(self.probe.index)
        run = self._run
        held = run.memory.held if isinstance(run, LocalRun) else 0
        with self._budget.hold(held, "decoding its frames") if self._budget else nullcontext():
            for frame in run:
                tracked = self._timelines.add(frame)
                self._digest.add(tracked)
                if self._keep:
                    self._frames.append(tracked)
                if self._progress is not None:
                    self._progress(run.done, total)
                yield tracked
        if self._progress is not None:
            self._progress(total, total)
        logger.info(
            "analysed %s video %dx%d, %d frames: %d analysed, %d tracks, %d skipped in %.1f s",
            self.media.format,
            self.media.width,
            self.media.height,
            total,
            self._digest.frames,
            len(self._timelines.tracks()),
            self._run.skipped,
            time.perf_counter() - started,
        )


def iter_video(
    source: VideoSource,
    options: VideoOptions | None = None,
    *,
    analyzer: Analyzer | None = None,
    detector: str | FaceDetector | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> VideoAnalysis:
    """Start analysing a video; iterate the result for tracked frame results as they come.

    Args:
        source: A path, an http(s) URL, or the encoded bytes of a video (mp4, mov, mkv,
            webm, avi, animated GIF).
        options: Sampling, workers, backend and smoothing (`VideoOptions()` by default).
        analyzer: An analyzer to reuse (its models stay loaded) instead of `detector`.
        detector: "blazeface" (default; with `settings.video_tiles` tiles), "haar", "dlib",
            or a detector instance.
        settings: Limits and defaults; `get_settings()` when omitted.
        progress: Called with (frames decoded, frames in the video) as the work goes.

    Raises:
        MediaError: Not a video, no video stream, corrupt, too large or too long.
        SourceError: A URL that is refused or fails to download.
        RequestError: Conflicting or bad sampling, workers or backend.
    """
    return VideoAnalysis(
        source, options, analyzer=analyzer, detector=detector, settings=settings, progress=progress
    )


def analyze_video(
    source: VideoSource,
    options: VideoOptions | None = None,
    *,
    analyzer: Analyzer | None = None,
    detector: str | FaceDetector | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> VideoResult:
    """Every face in a video, tracked, with per-frame and per-track emotions.

    Same arguments as `iter_video`.

    Example:
        >>> result = analyze_video("talk.mp4", VideoOptions(fps=5))
        >>> [(track.id, track.main, track.alternative) for track in result.tracks]
        [(1, 'neutral', 'sad')]
    """
    with iter_video(
        source, options, analyzer=analyzer, detector=detector, settings=settings, progress=progress
    ) as analysis:
        return analysis.result()


__all__ = ["Progress", "VideoAnalysis", "VideoOptions", "analyze_video", "iter_video"]
