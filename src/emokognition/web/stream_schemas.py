"""API schemas of live streams: what `POST /api/v1/streams` reads and the stream routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emokognition.app import Stream, StreamPage, StreamWindow, WindowPage, display_url
from emokognition.web.schemas import Classifier, Detector, ErrorBody

StreamStatus = Literal["starting", "live", "reconnecting", "ended", "stopped", "failed"]


class StreamCreate(BaseModel):
    """Start analysing a live stream."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="http(s): an HLS playlist (.m3u8) or MPEG-TS over HTTP; rtsp(s); rtmp(s).",
        examples=["https://example.org/live/index.m3u8"],
    )
    source: str | None = Field(default=None, min_length=1, max_length=64, examples=["keynote"])
    fps: float | None = Field(
        default=None, gt=0, le=30, description="Frames analysed per second (default 5)."
    )
    window: float | None = Field(
        default=None, ge=1, le=300, description="Seconds of stream per window (default 5)."
    )
    duration: float | None = Field(
        default=None,
        gt=0,
        description="Seconds after which it ends (at most, and by default, "
        "EMOKOGNITION_STREAM_MAX_SECONDS).",
    )
    detector: Detector | None = None
    classifier: Classifier | None = None


class TrackOnScreen(BaseModel):
    """A person on screen in a window, by their main and alternative emotion in it."""

    id: int
    main: str
    alternative: str
    frames: int


class WindowOut(BaseModel):
    """The audience during [start, end) seconds of the stream."""

    index: int
    start: float
    end: float
    at: datetime = Field(description="When it was recorded (UTC).")
    frames: int
    faces: int = Field(description="Faces over the analysed frames (face-frames).")
    people: int = Field(description="People on screen: each track once, untracked faces each.")
    emotions: dict[str, float] | None = Field(description="Mean probabilities over the faces.")
    shares: dict[str, float] | None = Field(description="Share of the faces by main emotion.")
    main: str | None
    alternative: str | None
    tracks: list[TrackOnScreen]
    skipped: int = Field(description="Frames passed over because the analysis was behind.")
    latency: float = Field(description="Seconds from its first frame's arrival to it being ready.")

    @classmethod
    def of(cls, window: StreamWindow) -> WindowOut:
        return cls.model_validate(window.to_dict())


class WindowList(BaseModel):
    """Windows in time order: the latest `limit` after skipping the `offset` newest."""

    items: list[WindowOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: WindowPage) -> WindowList:
        return cls(
            items=[WindowOut.of(w) for w in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class StreamOut(BaseModel):
    """A live stream analysis: its status, what it has counted so far, where to follow it."""

    id: str
    status: StreamStatus
    source: str
    url: str = Field(description="The stream's URL without credentials or query.")
    kind: Literal["hls", "http", "rtsp", "rtmp"]
    fps: float
    window: float
    duration: float = Field(description="It ends this many seconds after it started.")
    detector: str | None
    classifier: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reason: str | None = Field(
        description="Why it is over: ended, duration, stopped, lost, worker_lost, error."
    )
    error: ErrorBody | None
    stop_requested: bool
    windows: int = Field(description="Windows recorded so far.")
    seconds: float = Field(description="Stream time the windows cover.")
    faces: int
    people: int = Field(description="People counted: each track once per window it is in.")
    skipped: int
    reconnects: int
    events: str = Field(description="Its Server-Sent Events: one per window as it is analysed.")
    page: str

    @classmethod
    def of(cls, stream: Stream) -> StreamOut:
        return cls(**_fields(stream))


class StreamDetail(StreamOut):
    """A stream with its latest windows (`limit`, `offset` from the newest)."""

    timeline: WindowList

    @classmethod
    def with_windows(cls, stream: Stream, page: WindowPage) -> StreamDetail:
        return cls(**_fields(stream), timeline=WindowList.of(page))


class StreamList(BaseModel):
    """A page of streams, newest first."""

    items: list[StreamOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: StreamPage) -> StreamList:
        return cls(
            items=[StreamOut.of(s) for s in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


def _fields(stream: Stream) -> dict[str, Any]:
    error = stream.error
    return {
        "id": stream.id,
        "status": stream.status,
        "source": stream.source,
        "url": display_url(stream),
        "kind": stream.kind,
        "fps": stream.fps,
        "window": stream.window,
        "duration": stream.max_seconds,
        "detector": stream.detector,
        "classifier": stream.classifier,
        "created_at": stream.created_at,
        "started_at": stream.started_at,
        "finished_at": stream.finished_at,
        "reason": stream.end_reason,
        "error": None if error is None else ErrorBody(code=error.code, message=error.message),
        "stop_requested": stream.stop_requested,
        "windows": stream.windows,
        "seconds": round(stream.seconds, 3),
        "faces": stream.faces,
        "people": stream.people,
        "skipped": stream.skipped,
        "reconnects": stream.reconnects,
        "events": f"/api/v1/streams/{stream.id}/events",
        "page": f"/streams/{stream.id}",
    }
