"""Watch a live stream: the audience's mood, one window every few seconds, as it happens."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from emokognition.config import Settings, get_settings
from emokognition.errors import RequestError
from emokognition.video.audience import AudienceMood
from emokognition.video.batches import analyse_frames
from emokognition.video.decode import DecodedFrame
from emokognition.video.iteration import Running
from emokognition.video.live.reader import LiveFrame, StreamReader, Taken
from emokognition.video.live.source import StreamSource
from emokognition.video.live.windows import EndReason, LiveSummary, LiveWindow, StreamNotice
from emokognition.video.results import FrameResult
from emokognition.video.timeline import DEFAULT_SMOOTHING, Timelines
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.detectors import FaceDetector
from emokognition.vision.registry import build_analyzer

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = 5.0
"""Seconds of stream per window."""

Notify = Callable[[StreamNotice], None]

# How long `take` waits for frames before looking at the clock again.
_POLL = 0.25


@dataclass(slots=True)
class _Window:
    index: int
    start: float
    end: float
    frames: list[FrameResult] = field(default_factory=list)
    skipped: int = 0
    first_arrival: float | None = None


class LiveAnalysis(Running[LiveWindow]):
    """A stream being watched: iterate for a `LiveWindow` every `window` seconds of stream.

    The stream is checked and opened when this is created (a refused URL or one that never
    answers fails at once); frames are decoded in a thread and analysed as the windows are
    iterated. `summary()` tells the whole watch once iteration is over; `close()` (or leaving
    the `with` block) stops it early.

    Example:
        >>> with watch_stream("https://example.org/live/index.m3u8", window=5) as live:
        ...     for window in live:
        ...         print(window.audience.people, window.audience.main)
        ...     print(live.summary().skipped)

    Args:
        source: An http(s) URL (an .m3u8 playlist or an MPEG-TS stream), rtsp(s) or
            rtmp(s), or with `realtime` a local file played at its own pace.
        fps: Frames analysed per second of stream (default `settings.video_fps`).
        window: Seconds of stream per window.
        duration: Stop after this many seconds of stream; None: until the stream ends.
        realtime: `source` is a file to play at its own pace.
        analyzer: An analyzer to reuse instead of `detector`.
        detector: A detector name or instance (the video default when omitted).
        settings: URL policy, time-out and reconnection; `get_settings()` when omitted.
        smoothing: Weight of each track's past in its per-frame emotions.
        notify: Called with each drop and reconnection, as they happen.

    Raises:
        RequestError: A bad fps, window or duration.
        ForbiddenURL: A scheme we do not open, or a host that is not public.
        StreamError: The stream did not answer, or has no video.
    """

    def __init__(
        self,
        source: str | StreamSource,
        *,
        fps: float | None = None,
        window: float = DEFAULT_WINDOW,
        duration: float | None = None,
        realtime: bool = False,
        analyzer: Analyzer | None = None,
        detector: str | FaceDetector | None = None,
        settings: Settings | None = None,
        smoothing: float = DEFAULT_SMOOTHING,
        notify: Notify | None = None,
    ) -> None:
        self.settings = settings or (analyzer.settings if analyzer else get_settings())
        self.fps = self.settings.video_fps if fps is None else fps
        for name, value in (("fps", self.fps), ("window", window), ("duration", duration)):
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise RequestError(f"{name} must be a positive number, got {value}")
        self.window = window
        self.duration = duration
        self.source = (
            source
            if isinstance(source, StreamSource)
            else StreamSource.parse(source, realtime=realtime)
        )
        self._analyzer = analyzer or build_analyzer(detector, self.settings, "video")
        self._timelines = Timelines(smoothing=smoothing)
        self._notify = notify
        # About half a second of samples may wait for the analysis; older ones are dropped.
        capacity = max(2, math.ceil(self.fps / 2))
        self._reader = StreamReader(self.source, self.settings, fps=self.fps, capacity=capacity)
        self._reader.start()
        self._windows = 0
        self._analysed = 0
        self._faces = 0
        self._seconds = 0.0
        self._reason: EndReason | None = None

    def close(self) -> None:
        """Stop watching (a no-op once the stream is over)."""
        super().close()
        if self._reason is None:
            self._reason = "stopped"
        self._reader.close()

    def stop(self) -> None:
        """Ask the watch to end, from any thread: reading stops, and the iteration yields
        the window it has begun (if it has frames) and ends, its reason "stopped"."""
        self._reader.close()

    def summary(self) -> LiveSummary:
        """The watch so far: windows, frames analysed and skipped, reconnections, people."""
        return LiveSummary(
            source=self.source.name,
            reason=self._reason or "stopped",
            seconds=self._seconds,
            windows=self._windows,
            analysed=self._analysed,
            skipped=self._reader.skipped,
            reconnects=self._reader.reconnects,
            faces=self._faces,
            tracks=self._timelines.tracks(),
        )

    def _produce(self) -> Generator[LiveWindow, None, None]:
        current = _Window(0, 0.0, self._end_of(0.0))
        pending: dict[int, int] = {}  # window index -> frames dropped before it opened
        try:
            while True:
                taken = self._reader.take(_POLL)
                for notice in taken.notices:
                    if self._notify is not None:
                        self._notify(notice)
                for t in taken.dropped:
                    number = int(t // self.window)
                    if number == current.index:
                        current.skipped += 1
                    elif number > current.index:
                        pending[number] = pending.get(number, 0) + 1
                for result, frame in self._analyse(taken):
                    while result.t >= current.end:
                        yield self._close(current)
                        if self._over(current.end):
                            return
                        current = self._next(current, pending)
                    self._add(current, result, frame)
                if taken.end is not None:
                    self._reason = taken.end
                    if current.frames or current.skipped:
                        last = max((f.t for f in current.frames), default=current.start)
                        current.end = min(current.end, last + 1.0 / self.fps)
                        yield self._close(current)
                    return
        finally:
            self._reader.close()

    def _analyse(self, taken: Taken) -> list[tuple[FrameResult, LiveFrame]]:
        decoded = [DecodedFrame(index=f.index, t=f.t, pixels=f.pixels) for f in taken.frames]
        return list(zip(analyse_frames(self._analyzer, decoded), taken.frames, strict=True))

    def _add(self, current: _Window, result: FrameResult, frame: LiveFrame) -> None:
        tracked = self._timelines.add(result)
        current.frames.append(tracked)
        if current.first_arrival is None:
            current.first_arrival = frame.arrived
        self._analysed += 1
        self._faces += len(tracked.faces)

    def _close(self, current: _Window) -> LiveWindow:
        audience = AudienceMood.of(current.frames, current.start, current.end)
        tracks = sorted({f.track for frame in current.frames for f in frame.faces if f.track})
        latency = 0.0 if current.first_arrival is None else time.monotonic() - current.first_arrival
        self._windows += 1
        self._seconds = current.end
        if self._over(current.end):
            self._reason = "duration"
        return LiveWindow(
            index=current.index,
            audience=audience,
            tracks=tuple(tracks),
            skipped=current.skipped,
            latency=max(0.0, latency),
            frames=tuple(current.frames),
        )

    def _next(self, current: _Window, pending: dict[int, int]) -> _Window:
        index = current.index + 1
        start = current.end
        return _Window(index, start, self._end_of(start), skipped=pending.pop(index, 0))

    def _end_of(self, start: float) -> float:
        end = start + self.window
        return end if self.duration is None else min(end, self.duration)

    def _over(self, end: float) -> bool:
        return self.duration is not None and end >= self.duration - 1e-9


def watch_stream(
    source: str | StreamSource,
    *,
    fps: float | None = None,
    window: float = DEFAULT_WINDOW,
    duration: float | None = None,
    realtime: bool = False,
    analyzer: Analyzer | None = None,
    detector: str | FaceDetector | None = None,
    settings: Settings | None = None,
    notify: Notify | None = None,
) -> LiveAnalysis:
    """Start watching a live stream; iterate the result for its windows. See `LiveAnalysis`."""
    return LiveAnalysis(
        source,
        fps=fps,
        window=window,
        duration=duration,
        realtime=realtime,
        analyzer=analyzer,
        detector=detector,
        settings=settings,
        notify=notify,
    )


__all__ = ["DEFAULT_WINDOW", "LiveAnalysis", "Notify", "watch_stream"]
