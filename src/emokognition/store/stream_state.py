"""A live stream's job in the database: claim, lease, status, windows, stop, end.

As for analyses (`store.job_state`), `attempts` is the fencing token: only the worker that
holds the latest attempt may renew the lease, record a window or end the stream, so a worker
that was taken for dead and comes back records nothing. A window is recorded with its faces
and people in one transaction, numbered by the stream's own count: never twice, never a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.errors import WorkerLost
from emokognition.store.analyses import utcnow
from emokognition.store.models import AnalysisRow, StreamRow, StreamWindowRow
from emokognition.store.recording import record_faces
from emokognition.store.records import JobError
from emokognition.store.streams import ACTIVE, Stream, get_stream

Verdict = Literal["run", "stop", "gone"]
"""What a stream's worker is told: go on, stop (asked to), or it is no longer yours."""
Ending = Literal["ended", "stopped", "failed"]


@dataclass(frozen=True, slots=True)
class WindowRecord:
    """A window as its worker hands it over, times already on the stream's clock.

    Attributes:
        start: Seconds of stream time, inclusive; end: exclusive.
        audience: `AudienceMood.to_dict()` without start and end.
        result: `{"model", "frames"}` of the result contract: its faces, with track ids and
            frame indices already on the stream's numbering.
        skipped: Sampled frames passed over because the analysis was behind.
        latency: Seconds from its first frame's arrival to it being ready.
        next_frame: The frame index after the last decoded one.
    """

    start: float
    end: float
    audience: dict[str, Any]
    result: dict[str, Any]
    skipped: int
    latency: float
    next_frame: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end or self.skipped < 0:
            raise ValueError(f"bad window {self.start}..{self.end} s, skipped {self.skipped}")


# A window's tracks, from its people rows: (key in the window, column of the row).
_TRACK_KEYS = (
    ("id", "track"),
    ("main", "main"),
    ("alternative", "alternative"),
    ("frames", "frames"),
)


def claimable(now: datetime) -> ColumnElement[bool]:
    """Active, and nobody holds it: never taken, given back, or under a lease run out."""
    return and_(
        StreamRow.status.in_(ACTIVE),
        or_(StreamRow.lease_until.is_(None), StreamRow.lease_until < now),
    )


def claim_stream(
    *,
    session: Session,
    stream_id: str,
    lease: float,
    max_attempts: int,
    now: datetime | None = None,
) -> Stream | None:
    """Take a stream's job: one nobody holds (see `claimable`).

    A stream whose worker was lost (its lease ran out, rather than being given back) after
    `max_attempts` attempts is failed instead (`WorkerLost`). Every step is one conditional
    UPDATE, so that of many claimers one wins, on PostgreSQL and on SQLite alike.

    Returns:
        The stream with its new attempt, or None when it is not ours to run.
    """
    now = now or utcnow()
    worn_out = and_(StreamRow.lease_until.is_not(None), StreamRow.attempts >= max_attempts)
    message = (
        f"the worker running this stream was lost (killed or crashed) after {max_attempts} "
        "attempts; giving up"
    )
    if _end_where(
        session,
        stream_id,
        and_(claimable(now), worn_out),
        "failed",
        "worker_lost",
        JobError(WorkerLost.code, message),
        now,
    ):
        return None
    claimed = session.execute(
        update(StreamRow)
        .where(StreamRow.id == stream_id, claimable(now))
        .values(
            attempts=StreamRow.attempts + 1,
            lease_until=now + timedelta(seconds=lease),
            started_at=func.coalesce(StreamRow.started_at, now),
            revision=StreamRow.revision + 1,
        )
    )
    if _rowcount(claimed) != 1:
        return None
    return get_stream(session=session, stream_id=stream_id)


def renew_stream(
    *, session: Session, stream_id: str, attempt: int, lease: float, now: datetime | None = None
) -> Verdict:
    """Extend the lease of the stream's worker; tells it whether to stop."""
    until = (now or utcnow()) + timedelta(seconds=lease)
    if not _update(session, stream_id, attempt, lease_until=until):
        return "gone"
    stop = session.scalar(select(StreamRow.stop_requested).where(StreamRow.id == stream_id))
    return "stop" if stop else "run"


def stream_verdict(*, session: Session, stream_id: str, attempt: int) -> Verdict:
    """`renew_stream`'s answer without renewing: a read of one row."""
    row = session.execute(
        select(StreamRow.status, StreamRow.attempts, StreamRow.stop_requested).where(
            StreamRow.id == stream_id
        )
    ).first()
    if row is None or row.status not in ACTIVE or row.attempts != attempt:
        return "gone"
    return "stop" if row.stop_requested else "run"


def set_stream_status(
    *, session: Session, stream_id: str, attempt: int, status: str, reconnected: bool = False
) -> bool:
    """Live or reconnecting; False when the stream is no longer this attempt's."""
    if status not in ACTIVE:
        raise ValueError(f"an active status ({', '.join(ACTIVE)}) only, got {status!r}")
    values: dict[str, Any] = {"status": status, "revision": StreamRow.revision + 1}
    if reconnected:
        values["reconnects"] = StreamRow.reconnects + 1
    return _update(session, stream_id, attempt, **values)


def record_window(
    *,
    session: Session,
    stream_id: str,
    attempt: int,
    window: WindowRecord,
    now: datetime | None = None,
) -> Verdict:
    """Record the stream's next window with its faces and people (each track on screen once,
    by its main and alternative emotion in the window), in the caller's transaction."""
    now = now or utcnow()
    # Write first: the row is then ours until the commit (a row lock on PostgreSQL, the
    # write lock on SQLite), so its counters are read and moved on by one writer at a time.
    if not _update(session, stream_id, attempt, revision=StreamRow.revision + 1):
        return "gone"
    row = session.get_one(StreamRow, stream_id, populate_existing=True)
    recorded = record_faces(
        session=session, result=window.result, analysis_id=stream_id, source=row.source, at=now
    )
    tracks = [
        {key: p[column] for key, column in _TRACK_KEYS}
        for p in recorded.people
        if p["track"] is not None
    ]
    data = {
        **window.audience,
        "people": len(recorded.people),
        "tracks": tracks,
        "skipped": window.skipped,
        "latency": round(window.latency, 3),
    }
    session.add(
        StreamWindowRow(
            stream_id=stream_id,
            window_index=row.windows,
            t_start=window.start,
            t_end=window.end,
            recorded_at=now,
            faces=recorded.faces,
            people=len(recorded.people),
            main=window.audience.get("main"),
            data=data,
        )
    )
    row.windows += 1
    row.seconds = window.end
    row.frames += len(window.result.get("frames", []))
    row.next_frame = max(row.next_frame, window.next_frame)
    row.faces += recorded.faces
    row.people += len(recorded.people)
    row.tracks = max([row.tracks, *(t["id"] for t in tracks)])
    row.skipped += window.skipped
    row.last_window_at = now
    session.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == stream_id)
        .values(faces=AnalysisRow.faces + recorded.faces)
    )
    session.flush()
    return "stop" if row.stop_requested else "run"


def finish_stream(
    *,
    session: Session,
    stream_id: str,
    attempt: int,
    status: Ending,
    reason: str,
    error: JobError | None = None,
    now: datetime | None = None,
) -> bool:
    """End the stream (and its analysis: done, or failed); False when not this attempt's."""
    mine = and_(StreamRow.status.in_(ACTIVE), StreamRow.attempts == attempt)
    return _end_where(session, stream_id, mine, status, reason, error, now or utcnow())


def release_stream(*, session: Session, stream_id: str, attempt: int) -> bool:
    """Give the stream's job back (its process is shutting down): any process may take it
    at once, and it does not count as a lost worker."""
    return _update(session, stream_id, attempt, lease_until=None)


def request_stop(*, session: Session, stream_id: str, now: datetime | None = None) -> Stream:
    """Ask the stream to stop: its worker stops at its next look; a stream nobody runs
    (never taken, or its worker lost) is stopped at once.

    Raises:
        NotFound: No such stream.
    """
    now = now or utcnow()
    if not _end_where(session, stream_id, claimable(now), "stopped", "stopped", None, now):
        session.execute(
            update(StreamRow)
            .where(
                StreamRow.id == stream_id,
                StreamRow.status.in_(ACTIVE),
                StreamRow.stop_requested.is_(False),
            )
            .values(stop_requested=True, revision=StreamRow.revision + 1)
        )
    return get_stream(session=session, stream_id=stream_id)


def resumable_streams(*, session: Session, limit: int, now: datetime | None = None) -> list[str]:
    """Ids of active streams nobody runs, oldest first."""
    query = (
        select(StreamRow.id)
        .where(claimable(now or utcnow()))
        .order_by(StreamRow.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_streams_for_resend(
    *, session: Session, after: float, limit: int, now: datetime | None = None
) -> list[str]:
    """Ids of streams nobody runs whose job was last sent more than `after` seconds ago,
    each marked as sent now by a conditional update (one sweeper of many sends each)."""
    now = now or utcnow()
    due = and_(claimable(now), StreamRow.sent_at < now - timedelta(seconds=after))
    candidates = list(
        session.scalars(select(StreamRow.id).where(due).order_by(StreamRow.created_at).limit(limit))
    )
    marked = []
    for stream_id in candidates:
        result = session.execute(
            update(StreamRow).where(StreamRow.id == stream_id, due).values(sent_at=now)
        )
        if _rowcount(result) == 1:
            marked.append(stream_id)
    return marked


def _end_where(
    session: Session,
    stream_id: str,
    where: ColumnElement[bool],
    status: str,
    reason: str,
    error: JobError | None,
    now: datetime,
) -> bool:
    """End the stream if `where` holds for it, and its analysis; False when it does not."""
    errors = {
        "error_code": error.code if error else None,
        "error_message": error.message if error else None,
        "finished_at": now,
    }
    ended = session.execute(
        update(StreamRow)
        .where(StreamRow.id == stream_id, where)
        .values(
            status=status,
            end_reason=reason,
            lease_until=None,
            revision=StreamRow.revision + 1,
            **errors,
        )
    )
    if _rowcount(ended) != 1:
        return False
    session.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == stream_id)
        .values(status="failed" if status == "failed" else "done", **errors)
    )
    return True


def _update(session: Session, stream_id: str, attempt: int, **values: Any) -> bool:
    result = session.execute(
        update(StreamRow)
        .where(
            StreamRow.id == stream_id,
            StreamRow.status.in_(ACTIVE),
            StreamRow.attempts == attempt,
        )
        .values(**values)
    )
    return _rowcount(result) == 1


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
