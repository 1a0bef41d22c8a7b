"""Live streams, the application's way in: start one (its URL checked like every URL), read
it with its windows, list, stop; what the event streams and the dashboard read."""

from __future__ import annotations

import logging
import math
import urllib.parse
from dataclasses import dataclass

from emokognition.app.options import check_options
from emokognition.errors import ForbiddenURL, RequestError, Unavailable
from emokognition.jobs import JobContext, StreamRunner
from emokognition.store import (
    Stream,
    StreamPage,
    StreamRequest,
    StreamWindow,
    WindowPage,
    create_stream,
    delete_analysis,
    get_stream,
    list_streams,
    list_windows,
    request_stop,
    stream_revision,
    windows_after,
)
from emokognition.video.live import DEFAULT_WINDOW, StreamSource

logger = logging.getLogger(__name__)

STREAM_SCHEMES = ("http", "https", "rtsp", "rtsps", "rtmp", "rtmps")
MAX_FPS = 30.0
WINDOW_RANGE = (1.0, 300.0)


@dataclass(frozen=True, slots=True)
class StreamSubmission:
    """A live stream to analyse.

    Attributes:
        url: http(s) (an HLS .m3u8 playlist, or MPEG-TS over HTTP), rtsp(s) or rtmp(s).
        source: Where it comes from, for the statistics ("stream" when None).
        fps: Frames analysed per second of stream (the video default when None).
        window: Seconds per window (5 when None).
        duration: Seconds after which it ends (`stream_max_seconds` when None, never more).
        detector, classifier: As for analyses; None for the configured defaults.
    """

    url: str
    source: str | None = None
    fps: float | None = None
    window: float | None = None
    duration: float | None = None
    detector: str | None = None
    classifier: str | None = None

    def __post_init__(self) -> None:
        check_options(detector=self.detector, classifier=self.classifier, source=self.source)
        _check_range("fps", self.fps, 0.0, MAX_FPS, low_open=True)
        _check_range("window", self.window, *WINDOW_RANGE)
        _check_range("duration", self.duration, 0.0, math.inf, low_open=True)


class StreamService:
    """Records streams and hands them to a `StreamRunner`.

    Args:
        context: Settings and database shared with the jobs.
        runner: Who runs the streams (threads here, or Celery workers).
    """

    def __init__(self, context: JobContext, runner: StreamRunner) -> None:
        self.context = context
        self.runner = runner

    def start(self) -> None:
        self.runner.start()

    def close(self) -> None:
        self.runner.close()

    def submit(self, submission: StreamSubmission) -> Stream:
        """Check the URL, record the stream (within `max_streams`) and start it.

        Raises:
            RequestError: Bad options, or a duration over `stream_max_seconds`.
            ForbiddenURL: Not a stream URL we open, or a host that is not public.
            UnknownHost: The host does not exist.
            TooManyStreams: `max_streams` streams run already.
            Unavailable: No broker now.
        """
        settings = self.context.settings
        source = stream_source(submission.url)
        source.check(settings)
        limit = settings.stream_max_seconds
        if submission.duration is not None and submission.duration > limit:
            raise RequestError(
                f"duration must be at most {limit:g} s (EMOKOGNITION_STREAM_MAX_SECONDS)"
            )
        request = StreamRequest(
            source=submission.source or "stream",
            url=submission.url,
            kind=source.kind,
            fps=submission.fps or settings.video_fps,
            window=submission.window or DEFAULT_WINDOW,
            max_seconds=submission.duration or limit,
            detector=submission.detector,
            classifier=submission.classifier,
        )
        with self.context.database.session() as session:
            stream = create_stream(session=session, request=request, limit=settings.max_streams)
        try:
            self.runner.submit(stream.id)
        except Unavailable:
            with self.context.database.session() as session:
                delete_analysis(session=session, analysis_id=stream.id)
            raise
        logger.info("stream %s accepted from %s", stream.id, stream.source)
        return stream

    def get(self, stream_id: str) -> Stream:
        """Raises `NotFound`."""
        with self.context.database.session() as session:
            return get_stream(session=session, stream_id=stream_id)

    def get_with_windows(
        self, stream_id: str, *, limit: int = 100, offset: int = 0
    ) -> tuple[Stream, WindowPage]:
        """The stream and its latest `limit` windows (after the `offset` newest), read in one
        transaction. Raises `NotFound`."""
        with self.context.database.session() as session:
            stream = get_stream(session=session, stream_id=stream_id)
            page = list_windows(session=session, stream_id=stream_id, limit=limit, offset=offset)
            return stream, page

    def list(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        source: str | None = None,
        active: bool | None = None,
    ) -> StreamPage:
        """Streams, newest first."""
        with self.context.database.session() as session:
            return list_streams(
                session=session, limit=limit, offset=offset, source=source, active=active
            )

    def stop(self, stream_id: str) -> Stream:
        """Ask the stream to stop (its worker stops within a second or so, wherever it runs).
        Raises `NotFound`."""
        with self.context.database.session() as session:
            stream = request_stop(session=session, stream_id=stream_id)
        logger.info("stream %s: stop asked (%s)", stream_id, stream.status)
        return stream

    def revision(self, stream_id: str) -> int | None:
        """The stream's revision (None when gone): what an event stream polls."""
        with self.context.database.session() as session:
            return stream_revision(session=session, stream_id=stream_id)

    def news(
        self, stream_id: str, *, after: int, limit: int = 100
    ) -> tuple[Stream, tuple[StreamWindow, ...]]:
        """The stream and its windows numbered above `after`. Raises `NotFound`."""
        with self.context.database.session() as session:
            stream = get_stream(session=session, stream_id=stream_id)
            return stream, windows_after(
                session=session, stream_id=stream_id, after=after, limit=limit
            )


def stream_source(url: str) -> StreamSource:
    """The stream of a URL of the stream protocols (never a file, never `concat:`).

    Raises:
        ForbiddenURL: Another scheme, or no host.
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in STREAM_SCHEMES:
        raise ForbiddenURL(
            f"unsupported stream URL scheme {scheme!r} ({', '.join(STREAM_SCHEMES)})"
        )
    return StreamSource.parse(url)


def display_url(stream: Stream) -> str:
    """The stream's URL without credentials or query (which may hold a token)."""
    return StreamSource.parse(stream.url).name


def _check_range(
    name: str, value: float | None, low: float, high: float, *, low_open: bool = False
) -> None:
    if value is None:
        return
    above = value > low if low_open else value >= low
    if not (math.isfinite(value) and above and value <= high):
        bound = f"above {low:g}" if low_open else f"at least {low:g}"
        upper = "" if high == math.inf else f" and at most {high:g}"
        raise RequestError(f"{name} must be a number {bound}{upper}, got {value:g}")
