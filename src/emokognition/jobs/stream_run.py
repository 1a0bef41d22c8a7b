"""Run one live stream by id: claim it, hold its lease, analyse window after window and record
each as it comes, until the stream ends, its duration is reached, someone stops it, or this
process shuts down (then it is given back, and another process goes on with it).

A resumed stream (its previous worker died) goes on where the recorded windows end: window
numbers follow on, its clock goes on from the last window (plus the time it was down), and
its track ids follow the highest one recorded, so no person of the first attempt is counted
as one of the second.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from types import TracebackType

from emokognition.errors import EmokognitionError, StreamError, Unavailable
from emokognition.jobs.context import JobContext
from emokognition.store import (
    Ending,
    JobError,
    Stream,
    Verdict,
    WindowRecord,
    claim_stream,
    finish_stream,
    record_window,
    release_stream,
    renew_stream,
    set_stream_status,
    stream_verdict,
    utcnow,
)
from emokognition.video.live import LiveAnalysis, LiveWindow, StreamNotice, StreamSource
from emokognition.vision.results import ModelInfo

logger = logging.getLogger(__name__)

INTERNAL_ERROR = JobError(code="error", message="internal error while analysing the stream")
# How often a running stream looks at its stop flag (its lease is renewed every third).
_LOOK_EVERY = 1.0


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """What became of one attempt to run a stream.

    Attributes:
        status: "ended", "stopped" or "failed" (this attempt ended it); "released" (given back
            as this process shuts down); "interrupted" (the database went away: another
            attempt goes on once the lease runs out); "gone" (taken over or deleted while
            running); "skipped" (not ours to run).
        windows: Windows this attempt recorded.
    """

    stream_id: str
    status: str
    windows: int = 0


@dataclass(frozen=True, slots=True)
class _Offsets:
    """Where a resumed attempt goes on: stream seconds, track ids, frame indices."""

    t: float
    track: int
    frame: int

    @classmethod
    def resuming(cls, stream: Stream) -> _Offsets:
        if stream.attempts <= 1 or stream.started_at is None:
            return cls(0.0, 0, 0)
        since = stream.last_window_at or stream.started_at
        down = max(0.0, (utcnow() - since).total_seconds())
        return cls(stream.seconds + down, stream.tracks, stream.next_frame)


def run_stream(
    stream_id: str, context: JobContext, *, closing: threading.Event | None = None
) -> StreamOutcome:
    """Claim and run the stream `stream_id` until it is over; see `StreamOutcome`.

    Args:
        closing: Set when this process shuts down: the stream is given back.

    Raises:
        Unavailable: The database cannot be reached to claim it.
    """
    settings = context.settings
    with context.database.session() as session:
        stream = claim_stream(
            session=session,
            stream_id=stream_id,
            lease=settings.job_lease,
            max_attempts=settings.job_attempts,
        )
    if stream is None:
        return StreamOutcome(stream_id, "skipped")
    logger.info(
        "stream %s: attempt %d from %s",
        stream.id,
        stream.attempts,
        stream.source,
        extra={"analysis_id": stream.id},
    )
    return _StreamRun(context, stream, closing or threading.Event()).run()


class _StreamRun:
    """One attempt at one stream."""

    def __init__(self, context: JobContext, stream: Stream, closing: threading.Event) -> None:
        self.context = context
        self.stream = stream
        self.closing = closing
        self.offsets = _Offsets.resuming(stream)
        self.verdict: Verdict = "stop" if stream.stop_requested else "run"
        self.windows = 0
        self._live: LiveAnalysis | None = None
        self._lock = threading.Lock()

    def run(self) -> StreamOutcome:
        stream = self.stream
        try:
            with _Keeper(self):
                outcome = self._watch()
        except Unavailable as exc:
            logger.warning("stream %s interrupted: %s", stream.id, exc.message)
            return StreamOutcome(stream.id, "interrupted", self.windows)
        logger.info(
            "stream %s %s after %d windows (attempt %d)",
            stream.id,
            outcome.status,
            outcome.windows,
            stream.attempts,
            extra={"analysis_id": stream.id, "status": outcome.status},
        )
        return outcome

    def stop(self, verdict: Verdict | None = None) -> None:
        """End the watch from any thread (a stop request, a lost lease, shutting down)."""
        with self._lock:
            if verdict is not None and self.verdict == "run":
                self.verdict = verdict
            live = self._live
        if live is not None:
            live.stop()

    def _watch(self) -> StreamOutcome:
        remaining = self._remaining()
        if self.verdict == "stop":
            return self._finish("stopped", "stopped")
        if remaining <= 0:
            return self._finish("ended", "duration")
        try:
            live = self._open(remaining)
        except EmokognitionError as exc:
            return self._finish("failed", "error", JobError(exc.code, exc.message))
        with self._lock:
            self._live = live
            stopped_before = self.verdict != "run" or self.closing.is_set()
        if stopped_before:
            live.stop()
        elif not self._status("live"):
            live.close()
            return StreamOutcome(self.stream.id, "gone")
        try:
            with live:
                for window in live:
                    verdict = self._record(window)
                    if verdict != "run":
                        self.stop(verdict)
                summary = live.summary()
        except Unavailable:
            raise
        except EmokognitionError as exc:
            return self._finish("failed", "error", JobError(exc.code, exc.message))
        except Exception:  # a stream must end recorded, whatever broke inside it
            logger.exception("stream %s crashed", self.stream.id)
            return self._finish("failed", "error", INTERNAL_ERROR)
        return self._conclude(summary.reason, summary.reconnects)

    def _open(self, remaining: float) -> LiveAnalysis:
        """The stream opened; a resumed one is tried like a reconnection (it may be down
        right now), a new one fails at once when it does not answer."""
        settings = self.context.settings
        stream = self.stream
        analyzer = self.context.analyzers.get(
            stream.detector, classifier=stream.classifier, purpose="video"
        )
        source = StreamSource.parse(stream.url)
        tries = settings.stream_reconnect_tries if stream.attempts > 1 else 0
        for attempt in range(tries + 1):
            try:
                return LiveAnalysis(
                    source,
                    fps=stream.fps,
                    window=stream.window,
                    duration=remaining,
                    analyzer=analyzer,
                    settings=settings,
                    notify=self._notice,
                )
            except StreamError:
                if attempt == tries or self.closing.is_set() or self.verdict != "run":
                    raise
                self._status("reconnecting")
                wait = settings.stream_backoff_base * 2**attempt
                time.sleep(min(wait, settings.stream_backoff_max))
        raise AssertionError("unreachable")  # pragma: no cover

    def _record(self, window: LiveWindow) -> Verdict:
        record = window_record(window, self._model(), self.offsets)
        with self.context.database.session() as session:
            verdict = record_window(
                session=session,
                stream_id=self.stream.id,
                attempt=self.stream.attempts,
                window=record,
            )
        if verdict != "gone":
            self.windows += 1
        return verdict

    def _model(self) -> ModelInfo:
        analyzer = self.context.analyzers.get(
            self.stream.detector, classifier=self.stream.classifier, purpose="video"
        )
        return analyzer.model

    def _notice(self, notice: StreamNotice) -> None:
        self._status("live" if notice.kind == "reconnected" else "reconnecting", notice)

    def _status(self, status: str, notice: StreamNotice | None = None) -> bool:
        reconnected = notice is not None and notice.kind == "reconnected"
        with self.context.database.session() as session:
            return set_stream_status(
                session=session,
                stream_id=self.stream.id,
                attempt=self.stream.attempts,
                status=status,
                reconnected=reconnected,
            )

    def _conclude(self, reason: str, reconnects: int) -> StreamOutcome:
        if self.verdict == "gone":
            return StreamOutcome(self.stream.id, "gone", self.windows)
        if self.verdict == "stop":
            return self._finish("stopped", "stopped")
        if self.closing.is_set():
            with self.context.database.session() as session:
                release_stream(
                    session=session, stream_id=self.stream.id, attempt=self.stream.attempts
                )
            return StreamOutcome(self.stream.id, "released", self.windows)
        if reason == "lost":
            tries = self.context.settings.stream_reconnect_tries
            message = f"the stream stayed down after {tries} reconnection tries"
            return self._finish("failed", "lost", JobError(StreamError.code, message))
        if reason in ("ended", "duration"):
            return self._finish("ended", reason)
        return self._finish("stopped", "stopped")

    def _finish(self, status: Ending, reason: str, error: JobError | None = None) -> StreamOutcome:
        with self.context.database.session() as session:
            mine = finish_stream(
                session=session,
                stream_id=self.stream.id,
                attempt=self.stream.attempts,
                status=status,
                reason=reason,
                error=error,
            )
        return StreamOutcome(self.stream.id, status if mine else "gone", self.windows)

    def _remaining(self) -> float:
        started = self.stream.started_at or utcnow()
        return self.stream.max_seconds - (utcnow() - started).total_seconds()


def window_record(window: LiveWindow, model: ModelInfo, offsets: _Offsets) -> WindowRecord:
    """A window as the store records it, moved onto the stream's clock and numbering."""
    frames = []
    for frame in window.frames:
        faces = []
        for face in frame.faces:
            out = face.to_dict()
            if face.track is not None:
                out["track"] = face.track + offsets.track
            faces.append(out)
        frames.append(
            {"index": offsets.frame + frame.index, "t": offsets.t + frame.t, "faces": faces}
        )
    audience = window.audience.to_dict()
    del audience["start"], audience["end"]
    last = max((frame.index for frame in window.frames), default=-1)
    return WindowRecord(
        start=offsets.t + window.audience.start,
        end=offsets.t + window.audience.end,
        audience=audience,
        result={"model": model.to_dict(), "frames": frames},
        skipped=window.skipped,
        latency=window.latency,
        next_frame=offsets.frame + last + 1,
    )


class _Keeper:
    """Renews the lease every third of its length and looks at the stop flag every second,
    in a thread; stops the watch when asked to, when the stream is no longer ours, or when
    this process shuts down."""

    def __init__(self, run: _StreamRun) -> None:
        self._run = run
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"stream-lease-{run.stream.id[:8]}", daemon=True
        )

    def __enter__(self) -> _Keeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        run = self._run
        lease = run.context.settings.job_lease
        step = min(_LOOK_EVERY, lease / 3)
        renewed = time.monotonic()
        while not self._done.wait(step):
            if run.closing.is_set():
                run.stop()
                continue
            if time.monotonic() - renewed < lease / 3:
                verdict = self._look()
            else:
                verdict = self._renew()
                renewed = time.monotonic()
            if verdict in ("stop", "gone"):
                run.stop(verdict)

    def _renew(self) -> Verdict | None:
        run = self._run
        try:
            with run.context.database.session() as session:
                return renew_stream(
                    session=session,
                    stream_id=run.stream.id,
                    attempt=run.stream.attempts,
                    lease=run.context.settings.job_lease,
                )
        except EmokognitionError as exc:
            logger.warning("stream %s: cannot renew lease: %s", run.stream.id, exc.message)
            return None

    def _look(self) -> Verdict | None:
        run = self._run
        try:
            with run.context.database.session() as session:
                return stream_verdict(
                    session=session, stream_id=run.stream.id, attempt=run.stream.attempts
                )
        except EmokognitionError:
            return None  # the next look, or the next renewal, will tell
