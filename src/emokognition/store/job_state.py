"""The job state machine over analyses: claim, lease, fencing, finish or fail.

A job's `attempts` count is its fencing token: only the worker holding the latest attempt may
renew the lease, attach media, finish or fail it, so a lost worker that comes back cannot
record a result twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from emokognition.errors import WorkerLost
from emokognition.store.analyses import get_analysis, utcnow
from emokognition.store.frames import FrameFaces, clear_frames, face_rows
from emokognition.store.models import AnalysisRow, FaceRow, PersonRow, table
from emokognition.store.people import person_rows
from emokognition.store.records import Analysis, JobError
from emokognition.store.rollups import count_people


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


def attach_media(
    *, session: Session, analysis_id: str, attempt: int, sha256: str, fmt: str, kind: str
) -> bool:
    """Record the media a URL job downloaded; False when the job is no longer ours."""
    return _update_attempt(
        session, analysis_id, attempt, media_sha256=sha256, media_format=fmt, kind=kind
    )


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
    chunked = "frames" not in result and result.get("media", {}).get("kind") == "video"
    faces = [] if chunked else list(_face_rows(result, analysis_id, row.source, row.created_at))
    done = _update_attempt(
        session,
        analysis_id,
        attempt,
        status="done",
        result=result,
        faces=int(result["summary"]["faces"]) if chunked else len(faces),
        kind=result.get("media", {}).get("kind", row.kind),
        finished_at=now or utcnow(),
        lease_until=None,
        error_code=None,
        error_message=None,
    )
    if not done:
        return False
    # Core inserts of the tables: many rows in one executemany, without the ORM's bulk path.
    if faces:
        session.execute(insert(table(FaceRow)), faces)
    untracked = _untracked_faces(session, analysis_id) if chunked else ()
    people = person_rows(
        result, analysis_id=analysis_id, source=row.source, at=row.created_at, untracked=untracked
    )
    if people:
        session.execute(insert(table(PersonRow)), people)
        count_people(session=session, people=people)
    return True


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


def _face_rows(
    result: dict[str, Any], analysis_id: str, source: str, at: datetime
) -> Iterable[dict[str, Any]]:
    """Flatten the result contract: image faces, or every face of every analysed video frame."""
    frames: Iterable[FrameFaces]
    if "frames" in result:
        frames = (
            (frame.get("index"), frame.get("t"), frame.get("faces", []))
            for frame in result["frames"]
        )
    else:
        frames = [(None, None, result.get("faces", []))]
    classifier = str(result["model"]["classifier"])
    return face_rows(frames, analysis_id=analysis_id, source=source, at=at, classifier=classifier)


def _untracked_faces(session: Session, analysis_id: str) -> list[tuple[str, str]]:
    """(main, alternative) of the face rows of an analysis that belong to no track."""
    rows = session.execute(
        select(FaceRow.main, FaceRow.alternative)
        .where(FaceRow.analysis_id == analysis_id, FaceRow.track.is_(None))
        .order_by(FaceRow.frame_index, FaceRow.position)
    )
    return [(main, alternative) for main, alternative in rows]
