"""Keyword-only functions over analyses and their faces; each takes the caller's session.

A job's `attempts` count is its fencing token: only the worker holding the latest attempt may
renew the lease, attach media, finish or fail it, so a lost worker that comes back cannot
record a result twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.errors import NotFound, WorkerLost
from emokognition.store.models import AnalysisRow, FaceRow, SourcePostRow
from emokognition.store.records import STATUSES, Analysis, JobError, Page


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh analysis id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def create_analysis(
    *,
    session: Session,
    source: str,
    kind: str | None = None,
    detector: str | None = None,
    url: str | None = None,
    media_sha256: str | None = None,
    media_format: str | None = None,
    now: datetime | None = None,
) -> Analysis:
    """Record a queued analysis of stored media (`media_sha256`) or of a `url`."""
    row = AnalysisRow(
        id=new_id(),
        status="queued",
        source=source,
        kind=kind,
        detector=detector,
        url=url,
        media_sha256=media_sha256,
        media_format=media_format,
        created_at=now or utcnow(),
        attempts=0,
    )
    session.add(row)
    session.flush()
    return _record(row)


def get_analysis(*, session: Session, analysis_id: str) -> Analysis:
    """The analysis with this id.

    Raises:
        NotFound: No such analysis.
    """
    row = session.get(AnalysisRow, analysis_id) if _valid_id(analysis_id) else None
    if row is None:
        raise NotFound(f"no analysis {analysis_id!r}")
    return _record(row)


def list_analyses(
    *,
    session: Session,
    limit: int = 20,
    offset: int = 0,
    source: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    """Analyses newest first, without their results (`result` is None).

    Args:
        since: Only analyses created at or after this (aware) time.
        until: Only analyses created before this (aware) time.
    """
    where = _filters(source=source, status=status)
    if since is not None:
        where.append(AnalysisRow.created_at >= since)
    if until is not None:
        where.append(AnalysisRow.created_at < until)
    total = session.scalar(select(func.count()).select_from(AnalysisRow).where(*where)) or 0
    columns = [c for c in AnalysisRow.__table__.c if c.name != "result"]
    rows = session.execute(
        select(*columns)
        .where(*where)
        .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    items = tuple(_record_from_mapping(row) for row in rows)
    return Page(items=items, total=total, limit=limit, offset=offset)


def delete_analysis(*, session: Session, analysis_id: str) -> Analysis:
    """Delete an analysis with its faces and source posts; returns what was deleted.

    Raises:
        NotFound: No such analysis.
    """
    record = get_analysis(session=session, analysis_id=analysis_id)
    # Explicit, so that it does not depend on the database enforcing ON DELETE CASCADE.
    session.execute(delete(FaceRow).where(FaceRow.analysis_id == analysis_id))
    session.execute(delete(SourcePostRow).where(SourcePostRow.analysis_id == analysis_id))
    session.execute(delete(AnalysisRow).where(AnalysisRow.id == analysis_id))
    return record


def count_media_users(*, session: Session, sha256: str) -> int:
    """How many analyses use the stored media with this digest."""
    query = select(func.count()).where(AnalysisRow.media_sha256 == sha256)
    return session.scalar(query) or 0


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
    return get_analysis(session=session, analysis_id=analysis_id)


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
    """Record a result and its faces (one row per face per frame) in one transaction.

    Returns:
        False, recording nothing, when the job is no longer this attempt's (deleted, or taken
        over after a lost lease).
    """
    row = session.get(AnalysisRow, analysis_id, with_for_update=True)
    if row is None or row.status != "running" or row.attempts != attempt:
        return False
    faces = list(_face_rows(result, analysis_id=analysis_id, source=row.source, at=row.created_at))
    done = _update_attempt(
        session,
        analysis_id,
        attempt,
        status="done",
        result=result,
        faces=len(faces),
        kind=result.get("media", {}).get("kind", row.kind),
        finished_at=now or utcnow(),
        lease_until=None,
        error_code=None,
        error_message=None,
    )
    if done and faces:
        session.execute(insert(FaceRow), faces)
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


def status_counts(*, session: Session) -> dict[str, int]:
    """How many analyses are in each of `STATUSES`."""
    rows = session.execute(
        select(AnalysisRow.status, func.count()).group_by(AnalysisRow.status)
    ).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


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
    result: dict[str, Any], *, analysis_id: str, source: str, at: datetime
) -> Iterable[dict[str, Any]]:
    """Flatten the result contract: image faces, or every face of every analysed video frame."""
    if "frames" in result:
        frames = [
            (frame.get("index"), frame.get("t"), frame.get("faces", []))
            for frame in result["frames"]
        ]
    else:
        frames = [(None, None, result.get("faces", []))]
    for frame_index, t, faces in frames:
        for position, face in enumerate(faces):
            x, y, w, h = (int(v) for v in face["box"])
            yield {
                "analysis_id": analysis_id,
                "source": source,
                "created_at": at,
                "position": position,
                "frame_index": frame_index,
                "t": t,
                "track": face.get("track"),
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "score": float(face["score"]),
                "main": face["main"],
                "alternative": face["alternative"],
                **{name: float(face["emotions"][name]) for name in EMOTIONS},
            }


def _filters(*, source: str | None, status: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(AnalysisRow.source == source)
    if status is not None:
        where.append(AnalysisRow.status == status)
    return where


def _valid_id(analysis_id: str) -> bool:
    return len(analysis_id) == 32 and all(c in "0123456789abcdef" for c in analysis_id)


def _record(row: AnalysisRow) -> Analysis:
    return _record_from_mapping({c.name: getattr(row, c.key) for c in AnalysisRow.__table__.c})


def _record_from_mapping(row: Any) -> Analysis:
    error = (
        JobError(code=row["error_code"], message=row["error_message"] or "")
        if row["error_code"]
        else None
    )
    return Analysis(
        id=row["id"],
        status=row["status"],
        source=row["source"],
        kind=row["kind"],
        detector=row["detector"],
        url=row["url"],
        media_sha256=row["media_sha256"],
        media_format=row["media_format"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        lease_until=row["lease_until"],
        attempts=row["attempts"],
        faces=row["faces"],
        error=error,
        result=row.get("result"),
    )
