"""The job state machine over analyses: claim, lease, fencing, finish or fail.

A job's `attempts` count is its fencing token: only the worker holding the latest attempt may
renew the lease, attach media, finish or fail it, so a lost worker that comes back cannot
record a result twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from emokognition.errors import WorkerLost
from emokognition.store.analyses import get_analysis, utcnow
from emokognition.store.frames import clear_frames
from emokognition.store.models import AnalysisRow
from emokognition.store.recording import face_count, record_faces
from emokognition.store.records import Analysis, JobError


def claim_analysis(
    *,
    session: Session,
    analysis_id: str,
    lease: float,
    max_attempts: int,
    now: datetime | None = None,
) -> Analysis | None:
    """Take a job: queued, or running under a lease that ran out (its worker was lost).

    A job whose worker was lost `max_attempts` times is marked failed (`WorkerLost`) instead.

    Returns:
        The running analysis with its new attempt number, or None when it is not ours to run
        (finished, deleted, failed just now, or running under a valid lease).
    """
    now = now or utcnow()
    expired = and_(AnalysisRow.status == "running", AnalysisRow.lease_until < now)
    session.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == analysis_id, expired, AnalysisRow.attempts >= max_attempts)
        .values(
            status="failed",
            error_code=WorkerLost.code,
            error_message=(
                f"the worker running this analysis was lost {max_attempts} times "
                "(killed or crashed); giving up"
            ),
            finished_at=now,
            lease_until=None,
        )
    )
    claimed = session.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == analysis_id, or_(AnalysisRow.status == "queued", expired))
        .values(
            status="running",
            attempts=AnalysisRow.attempts + 1,
            started_at=func.coalesce(AnalysisRow.started_at, now),
            lease_until=now + timedelta(seconds=lease),
            # A new attempt starts over: what a lost worker reported is not its progress.
            progress_done=None,
            progress_total=None,
        )
    )
    if _rowcount(claimed) != 1:
        return None
    job = get_analysis(session=session, analysis_id=analysis_id)
    if job.attempts > 1:  # what a lost attempt wrote of a video's frames goes
        clear_frames(session=session, analysis_id=analysis_id)
    return job


def renew_lease(
    *, session: Session, analysis_id: str, attempt: int, lease: float, now: datetime | None = None
) -> bool:
    """Extend a running job's lease; False when the job is no longer this attempt's."""
    until = (now or utcnow()) + timedelta(seconds=lease)
    return _update_attempt(session, analysis_id, attempt, lease_until=until)


def report_progress(
    *, session: Session, analysis_id: str, attempt: int, done: int, total: int
) -> bool:
    """Record how far a running job has got (frames done of all); False when the job is no
    longer this attempt's."""
    return _update_attempt(
        session, analysis_id, attempt, progress_done=max(0, done), progress_total=max(0, total)
    )


def attach_media(
    *, session: Session, analysis_id: str, attempt: int, sha256: str, fmt: str, kind: str
) -> bool:
    """Record the media a URL job downloaded; False when the job is no longer ours."""
    return _update_attempt(
        session, analysis_id, attempt, media_sha256=sha256, media_format=fmt, kind=kind
    )


def release_analysis(*, session: Session, analysis_id: str, attempt: int) -> bool:
    """Put a running job back in the queue (its process is shutting down): it runs again
    later, with nothing of this attempt recorded (the frames it wrote go); False when the job
    is no longer ours."""
    released = _update_attempt(session, analysis_id, attempt, status="queued", lease_until=None)
    if released:
        clear_frames(session=session, analysis_id=analysis_id)
    return released


def finish_analysis(
    *,
    session: Session,
    analysis_id: str,
    attempt: int,
    result: dict[str, Any],
    now: datetime | None = None,
) -> bool:
    """Record a result, its faces (one row per face per frame), the people the statistics
    count (`store.people`) and their rollups (`store.rollups`) in one transaction.

    A video result without `frames` is one whose frames and faces this attempt wrote in
    chunks (`append_frames`): its people are its tracks and its untracked face rows.

    Returns:
        False, recording nothing, when the job is no longer this attempt's (deleted, or taken
        over after a lost lease).
    """
    row = session.get(AnalysisRow, analysis_id, with_for_update=True)
    if row is None or row.status != "running" or row.attempts != attempt:
        return False
    faces = face_count(result)
    done = _update_attempt(
        session,
        analysis_id,
        attempt,
        status="done",
        result=result,
        faces=faces,
        kind=result.get("media", {}).get("kind", row.kind),
        finished_at=now or utcnow(),
        lease_until=None,
        error_code=None,
        error_message=None,
    )
    if done:
        record_faces(
            session=session,
            result=result,
            analysis_id=analysis_id,
            source=row.source,
            at=row.created_at,
        )
    return done


def fail_analysis(
    *,
    session: Session,
    analysis_id: str,
    attempt: int,
    error: JobError,
    now: datetime | None = None,
) -> bool:
    """Mark a job failed with its reason; False when the job is no longer this attempt's."""
    return _update_attempt(
        session,
        analysis_id,
        attempt,
        status="failed",
        error_code=error.code,
        error_message=error.message,
        finished_at=now or utcnow(),
        lease_until=None,
    )


def resumable_analyses(*, session: Session, limit: int, now: datetime | None = None) -> list[str]:
    """Ids of jobs nobody runs: queued, or running under a lease that ran out; oldest first."""
    now = now or utcnow()
    query = (
        select(AnalysisRow.id)
        .where(
            or_(
                AnalysisRow.status == "queued",
                and_(AnalysisRow.status == "running", AnalysisRow.lease_until < now),
            )
        )
        .order_by(AnalysisRow.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_for_resend(
    *, session: Session, after: float, limit: int, now: datetime | None = None
) -> list[str]:
    """Ids of jobs whose broker message may be lost, each marked as sent again now.

    A job qualifies when it has been queued for more than `after` seconds, or has run under a
    lease that ran out more than `after` seconds ago; and it was not marked in the last `after`
    seconds. The mark is the row's `lease_until` (unused by a queued job; for an expired one it
    stays in the past, so a takeover is not delayed), set by a conditional update: of many
    workers' sweepers, one sends each such job once per period. A message sent twice is
    harmless: the claim (`claim_analysis`) lets one attempt run it.
    """
    now = now or utcnow()
    before = now - timedelta(seconds=after)
    due = or_(
        and_(
            AnalysisRow.status == "queued",
            AnalysisRow.created_at < before,
            or_(AnalysisRow.lease_until.is_(None), AnalysisRow.lease_until < before),
        ),
        and_(AnalysisRow.status == "running", AnalysisRow.lease_until < before),
    )
    candidates = list(
        session.scalars(
            select(AnalysisRow.id).where(due).order_by(AnalysisRow.created_at).limit(limit)
        )
    )
    marked = []
    for analysis_id in candidates:
        result = session.execute(
            update(AnalysisRow).where(AnalysisRow.id == analysis_id, due).values(lease_until=now)
        )
        if _rowcount(result) == 1:
            marked.append(analysis_id)
    return marked


def _update_attempt(session: Session, analysis_id: str, attempt: int, **values: Any) -> bool:
    result = session.execute(
        update(AnalysisRow)
        .where(
            AnalysisRow.id == analysis_id,
            AnalysisRow.status == "running",
            AnalysisRow.attempts == attempt,
        )
        .values(**values)
    )
    return _rowcount(result) == 1


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
