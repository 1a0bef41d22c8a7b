"""Live streams as recorded: create one (within the bound on how many run at once), read,
list, and read its windows. How a stream's job runs (claim, lease, windows, end) is in
`store.stream_state`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from emokognition.errors import NotFound, TooManyStreams
from emokognition.store.analyses import is_id, new_id, utcnow
from emokognition.store.models import AnalysisRow, StreamRow, StreamWindowRow
from emokognition.store.records import JobError
from emokognition.store.rollups import count_analysis

STREAM_STATUSES = ("starting", "live", "reconnecting", "ended", "stopped", "failed")
"""A stream is starting, then live (reconnecting while it is down), then ended (the stream's
end or its duration), stopped (asked to) or failed (it never answered, was lost, or broke)."""
ACTIVE = ("starting", "live", "reconnecting")

# Held while a new stream is counted against the bound, so that two PostgreSQL transactions
# never both see room for one (SQLite's writers take turns anyway).
_ADMISSION_LOCK = 0x656D6F6B


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream analysis as recorded.

    Attributes:
        id: 32 hex characters; also the id of the analysis its faces belong to.
        status: One of `STREAM_STATUSES`.
        url: As given (it may hold credentials: show `StreamSource.name` instead).
        kind: "hls", "http", "rtsp" or "rtmp".
        max_seconds: It ends ("duration") this long after it started.
        attempts: Workers that took its job (the fencing token of the latest).
        lease_until: While a worker runs it: when that worker counts as lost.
        stop_requested: Someone asked it to stop; its worker stops at the next look.
        revision: Bumped by every change of it or its windows.
        windows: Windows recorded (numbered from 0).
        seconds: Stream time covered by the windows.
        faces: Faces over all windows (face-frames); people: tracks on screen, once per
            window; tracks: the highest track id so far.
        end_reason: Once over: "ended", "duration", "stopped", "lost", "worker_lost" or "error".
    """

    id: str
    status: str
    source: str
    url: str
    kind: str
    fps: float
    window: float
    max_seconds: float
    detector: str | None
    classifier: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_window_at: datetime | None
    lease_until: datetime | None
    attempts: int
    stop_requested: bool
    revision: int
    windows: int
    seconds: float
    frames: int
    next_frame: int
    faces: int
    people: int
    tracks: int
    skipped: int
    reconnects: int
    end_reason: str | None
    error: JobError | None

    def __post_init__(self) -> None:
        if self.status not in STREAM_STATUSES:
            raise ValueError(f"status must be one of {STREAM_STATUSES}, got {self.status!r}")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True, slots=True)
class StreamWindow:
    """One recorded window: [start, end) seconds of stream time, and what was on screen.

    Attributes:
        data: frames, faces, people, emotions, shares, main, alternative, tracks (each on
            screen with its main and alternative emotion in the window), skipped, latency.
    """

    index: int
    start: float
    end: float
    recorded_at: datetime
    data: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "at": self.recorded_at.isoformat(),
            **self.data,
        }


@dataclass(frozen=True, slots=True)
class StreamPage:
    """Streams newest first, and how many match in all."""

    items: tuple[Stream, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class WindowPage:
    """A run of a stream's windows in time order: the latest `limit` after skipping the
    `offset` newest; `total` windows in all."""

    items: tuple[StreamWindow, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What to record for a new stream (checked by the caller)."""

    source: str
    url: str
    kind: str
    fps: float
    window: float
    max_seconds: float
    detector: str | None = None
    classifier: str | None = None


def create_stream(
    *, session: Session, request: StreamRequest, limit: int, now: datetime | None = None
) -> Stream:
    """Record a starting stream, with its analysis row (kind "stream": running, without a
    lease, which the analyses' sweepers never take), unless `limit` streams are active.

    Raises:
        TooManyStreams: `limit` streams are active; `retry_after` says when the first of
            them reaches its duration (at most a minute: most end sooner).
    """
    now = now or utcnow()
    stream_id = new_id()
    session.add(
        AnalysisRow(
            id=stream_id,
            status="running",
            source=request.source,
            kind="stream",
            detector=request.detector,
            classifier=request.classifier,
            url=request.url,
            created_at=now,
            started_at=now,
            attempts=0,
            faces=0,
        )
    )
    count_analysis(session=session, source=request.source, at=now)
    session.flush()
    session.add(_new_row(stream_id, request, now))
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADMISSION_LOCK})
    active = session.scalar(select(func.count()).where(StreamRow.status.in_(ACTIVE))) or 0
    if active > limit:
        raise TooManyStreams(
            f"{limit} live streams are analysed already (EMOKOGNITION_MAX_STREAMS); "
            "stop one or try again later",
            retry_after=_first_slot(session, now),
        )
    return get_stream(session=session, stream_id=stream_id)


def get_stream(*, session: Session, stream_id: str) -> Stream:
    """The stream with this id.

    Raises:
        NotFound: No such stream.
    """
    row = session.get(StreamRow, stream_id) if is_id(stream_id) else None
    if row is None:
        raise NotFound(f"no stream {stream_id!r}")
    return stream_record(row)


def list_streams(
    *,
    session: Session,
    limit: int = 20,
    offset: int = 0,
    source: str | None = None,
    active: bool | None = None,
) -> StreamPage:
    """Streams newest first; only active ones (or only finished ones) when `active` says."""
    where = []
    if source is not None:
        where.append(StreamRow.source == source)
    if active is not None:
        where.append(StreamRow.status.in_(ACTIVE) if active else StreamRow.status.not_in(ACTIVE))
    total = session.scalar(select(func.count()).select_from(StreamRow).where(*where)) or 0
    rows = session.scalars(
        select(StreamRow)
        .where(*where)
        .order_by(StreamRow.created_at.desc(), StreamRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = tuple(stream_record(row) for row in rows)
    return StreamPage(items=items, total=total, limit=limit, offset=offset)


def count_active_streams(*, session: Session) -> int:
    """Streams starting, live or reconnecting, over every process."""
    return session.scalar(select(func.count()).where(StreamRow.status.in_(ACTIVE))) or 0


def list_windows(
    *, session: Session, stream_id: str, limit: int = 100, offset: int = 0
) -> WindowPage:
    """The latest `limit` windows after skipping the `offset` newest, in time order."""
    total = session.scalar(select(func.count()).where(StreamWindowRow.stream_id == stream_id))
    rows = session.scalars(
        select(StreamWindowRow)
        .where(StreamWindowRow.stream_id == stream_id)
        .order_by(StreamWindowRow.window_index.desc())
        .limit(limit)
        .offset(offset)
    )
    items = tuple(reversed([_window(row) for row in rows]))
    return WindowPage(items=items, total=total or 0, limit=limit, offset=offset)


def windows_after(
    *, session: Session, stream_id: str, after: int, limit: int = 100
) -> tuple[StreamWindow, ...]:
    """Windows numbered above `after`, oldest first, at most `limit`."""
    rows = session.scalars(
        select(StreamWindowRow)
        .where(StreamWindowRow.stream_id == stream_id, StreamWindowRow.window_index > after)
        .order_by(StreamWindowRow.window_index)
        .limit(limit)
    )
    return tuple(_window(row) for row in rows)


def stream_revision(*, session: Session, stream_id: str) -> int | None:
    """The stream's revision (one indexed row: what event streams poll); None when gone."""
    return session.scalar(select(StreamRow.revision).where(StreamRow.id == stream_id))


def stream_record(row: StreamRow) -> Stream:
    error = (
        JobError(code=row.error_code, message=row.error_message or "") if row.error_code else None
    )
    return Stream(
        id=row.id,
        status=row.status,
        source=row.source,
        url=row.url,
        kind=row.kind,
        fps=row.fps,
        window=row.window,
        max_seconds=row.max_seconds,
        detector=row.detector,
        classifier=row.classifier,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        last_window_at=row.last_window_at,
        lease_until=row.lease_until,
        attempts=row.attempts,
        stop_requested=row.stop_requested,
        revision=row.revision,
        windows=row.windows,
        seconds=row.seconds,
        frames=row.frames,
        next_frame=row.next_frame,
        faces=row.faces,
        people=row.people,
        tracks=row.tracks,
        skipped=row.skipped,
        reconnects=row.reconnects,
        end_reason=row.end_reason,
        error=error,
    )


def _new_row(stream_id: str, request: StreamRequest, now: datetime) -> StreamRow:
    return StreamRow(
        id=stream_id,
        status="starting",
        source=request.source,
        url=request.url,
        kind=request.kind,
        fps=request.fps,
        window=request.window,
        max_seconds=request.max_seconds,
        detector=request.detector,
        classifier=request.classifier,
        created_at=now,
        # The first sweep may send its job again only once a lease would have run out.
        sent_at=now,
        attempts=0,
        stop_requested=False,
        revision=0,
        windows=0,
        seconds=0.0,
        frames=0,
        next_frame=0,
        faces=0,
        people=0,
        tracks=0,
        skipped=0,
        reconnects=0,
    )


def _first_slot(session: Session, now: datetime) -> int:
    """Seconds until the first active stream reaches its duration, 1 to 60."""
    rows = session.execute(
        select(StreamRow.created_at, StreamRow.started_at, StreamRow.max_seconds).where(
            StreamRow.status.in_(ACTIVE)
        )
    )
    ends = [
        ((started or created) - now).total_seconds() + max_seconds
        for created, started, max_seconds in rows
    ]
    return max(1, min(60, math.ceil(min(ends, default=60))))


def _window(row: StreamWindowRow) -> StreamWindow:
    return StreamWindow(
        index=row.window_index,
        start=row.t_start,
        end=row.t_end,
        recorded_at=row.recorded_at,
        data=row.data,
    )
