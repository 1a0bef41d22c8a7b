"""Decode a live stream in a thread and keep only its newest sampled frames.

The analysis takes what is there when it is ready; frames that wait longer than a few
samples are passed over (and counted), so the analysis stays at the live edge however slow it
is. When the stream drops, the thread opens it again after bounded, growing waits.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import av.error
import numpy as np
from av.container import InputContainer
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import EmokognitionError
from emokognition.media.download import download
from emokognition.video.live.source import StreamSource
from emokognition.video.live.windows import EndReason, StreamNotice

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class LiveFrame:
    """A sampled frame of the stream.

    Attributes:
        index: Frames decoded before it since the watch began (across reconnections).
        t: Seconds of stream time since the watch began; a drop adds the time it lasted.
        arrived: `time.monotonic()` when it was decoded.
        pixels: (H, W, 3) uint8 BGR.
    """

    index: int
    t: float
    arrived: float
    pixels: NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Taken:
    """What the reader had since the last `take`.

    Attributes:
        frames: Sampled frames, oldest first.
        dropped: Stream times of sampled frames passed over meanwhile.
        notices: Drops and reconnections.
        end: Why the stream is over, once it is (no frames follow).
    """

    frames: tuple[LiveFrame, ...] = ()
    dropped: tuple[float, ...] = ()
    notices: tuple[StreamNotice, ...] = ()
    end: EndReason | None = None


@dataclass(slots=True)
class _Clock:
    """Stream time kept continuous over reconnections (a new connection's timestamps may
    start anywhere): each connection's times are offset to follow the last one."""

    step: float
    last: float = -math.inf
    next_sample: float = 0.0
    base: float = 0.0
    first: float | None = None
    decoded: int = 0
    dropped_at: float | None = field(default=None)

    def connected(self) -> None:
        if self.dropped_at is not None and self.last > -math.inf:
            self.base = self.last + (time.monotonic() - self.dropped_at)
        self.first = None
        self.dropped_at = None

    def time(self, stamp: float) -> float:
        if self.first is None:
            self.first = stamp
        t = max(self.base + stamp - self.first, self.last, 0.0)
        self.last = t
        self.decoded += 1
        return t

    def sample(self, t: float) -> bool:
        """True when the frame at `t` is due for analysis (`step` seconds after the last)."""
        if t < self.next_sample:
            return False
        self.next_sample += self.step
        if self.next_sample <= t:
            self.next_sample = t + self.step
        return True


class StreamReader:
    """Reads `source` in a daemon thread, sampling `fps` frames per second of stream time.

    `start()` opens the stream in the caller's thread, so that one which never answers fails
    there; `take()` returns what came since its last call; `close()` stops the thread.

    Args:
        source: The stream (checked against the URL policy before every connection).
        settings: Time-out, reconnection waits and tries.
        fps: Sampled frames per second of stream time.
        capacity: Sampled frames kept while the analysis is busy; older ones are dropped.
    """

    def __init__(
        self, source: StreamSource, settings: Settings, *, fps: float, capacity: int
    ) -> None:
        if not fps > 0 or capacity < 1:
            raise ValueError(f"fps must be > 0 and capacity >= 1, got {fps}, {capacity}")
        self.source = source
        self.settings = settings
        self.skipped = 0
        self.reconnects = 0
        self._clock = _Clock(step=1.0 / fps)
        self._frames: deque[LiveFrame] = deque()
        self._capacity = capacity
        self._dropped: list[float] = []
        self._notices: list[StreamNotice] = []
        self._end: EndReason | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._started = 0.0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the stream and start reading it.

        Raises:
            ForbiddenURL: The URL's host is not public (and that is not allowed).
            StreamError: The stream did not answer within the time-out, or is no video.
        """
        container = self._open()
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, args=(container,), name=f"stream {self.source.name}", daemon=True
        )
        self._thread.start()

    def take(self, timeout: float) -> Taken:
        """What came since the last call, waiting up to `timeout` seconds for anything."""
        with self._changed:
            if not (self._frames or self._notices or self._end):
                self._changed.wait(timeout)
            taken = Taken(
                frames=tuple(self._frames),
                dropped=tuple(self._dropped),
                notices=tuple(self._notices),
                end=self._end if not self._frames else None,
            )
            self._frames.clear()
            self._dropped.clear()
            self._notices.clear()
            return taken

    def close(self) -> None:
        """Stop reading (the thread ends at its next frame or read time-out)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _open(self) -> InputContainer:
        return self.source.open(self.settings)

    def _run(self, container: InputContainer | None) -> None:
        reason: EndReason = "stopped"
        while container is not None and not self._stop.is_set():
            self._clock.connected()
            try:
                self._read(container)
                problem = "the stream ended"
                clean = True
            except (av.error.FFmpegError, OSError) as exc:
                problem = f"read failed ({exc.strerror if isinstance(exc, OSError) else exc})"
                clean = False
            finally:
                container.close()
            if self._stop.is_set():
                break
            # A file, or a playlist that says it is over, has ended; other streams just dropped.
            if self.source.realtime or (clean and self._playlist_ended()):
                reason = "ended"
                break
            self._clock.dropped_at = time.monotonic()
            self._notify(StreamNotice("dropped", f"stream {self.source.name} dropped: {problem}"))
            container = self._reconnect()
            reason = "lost" if container is None and not self._stop.is_set() else reason
        with self._changed:
            self._end = reason
            self._changed.notify_all()

    def _read(self, container: InputContainer) -> None:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for packet in container.demux(stream):
            if self._stop.is_set():
                return
            try:
                frames = packet.decode()
            except av.error.InvalidDataError as exc:  # a damaged packet: the next one may do
                logger.debug("stream packet skipped: %s", exc)
                continue
            for frame in frames:
                if frame.time is not None:
                    self._frame(frame.time, frame)

    def _frame(self, stamp: float, frame: av.VideoFrame) -> None:
        t = self._clock.time(stamp)
        if self.source.realtime:  # at its own pace: wait for the frame's time to come
            self._stop.wait(max(0.0, self._started + t - time.monotonic()))
        if not self._clock.sample(t):
            return
        pixels = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
        live = LiveFrame(self._clock.decoded - 1, t, time.monotonic(), pixels)
        with self._changed:
            if len(self._frames) >= self._capacity:
                self._dropped.append(self._frames.popleft().t)
                self.skipped += 1
            self._frames.append(live)
            self._changed.notify_all()

    def _playlist_ended(self) -> bool:
        """True for an HLS playlist that says it is over; FFmpeg also ends one that stalled."""
        if self.source.kind != "hls":
            return False
        try:
            playlist = download(
                self.source.target,
                max_bytes=1 << 20,
                timeout=self.settings.stream_timeout,
                allow_private=self.settings.allow_private_urls,
            )
        except EmokognitionError:
            return False
        return b"#EXT-X-ENDLIST" in playlist

    def _reconnect(self) -> InputContainer | None:
        settings = self.settings
        for attempt in range(1, settings.stream_reconnect_tries + 1):
            wait = min(
                settings.stream_backoff_base * 2 ** (attempt - 1), settings.stream_backoff_max
            )
            self._notify(
                StreamNotice(
                    "reconnecting",
                    f"reconnecting to {self.source.name} in {wait:g} s "
                    f"(try {attempt} of {settings.stream_reconnect_tries})",
                    attempt,
                )
            )
            if self._stop.wait(wait):
                return None
            try:
                container = self._open()
            except EmokognitionError as exc:
                logger.info("reconnection %d failed: %s", attempt, exc)
                continue
            self.reconnects += 1
            self._notify(StreamNotice("reconnected", f"stream {self.source.name} is back", attempt))
            return container
        return None

    def _notify(self, notice: StreamNotice) -> None:
        logger.info("%s", notice.message)
        with self._changed:
            self._notices.append(notice)
            self._changed.notify_all()


__all__ = ["LiveFrame", "StreamReader", "Taken"]
