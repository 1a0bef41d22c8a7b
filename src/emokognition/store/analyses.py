"""Keyword-only functions over analyses: create, read, list, delete, count; each takes the
caller's session. A job's way from queued to done or failed is in `store.job_state`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.errors import NotFound
from emokognition.store.models import (
    AnalysisRow,
    FaceRow,
    FrameRow,
    PersonRow,
    SourcePostRow,
    StreamRow,
    StreamWindowRow,
)
from emokognition.store.records import Analysis, JobError, Page, Progress
from emokognition.store.rollups import count_analysis, uncount_analysis


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh analysis id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def is_id(text: str) -> bool:
    """Whether `text` could be an id `new_id` made (a stream's is its analysis's)."""
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def create_analysis(
    *,
    session: Session,
    source: str,
    kind: str | None = None,
    detector: str | None = None,
    classifier: str | None = None,
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
        classifier=classifier,
        url=url,
        media_sha256=media_sha256,
        media_format=media_format,
        created_at=now or utcnow(),
        attempts=0,
    )
    session.add(row)
    session.flush()
    count_analysis(session=session, source=source, at=row.created_at)
    return _record(row)


def get_analysis(*, session: Session, analysis_id: str) -> Analysis:
    """The analysis with this id.

    Raises:
        NotFound: No such analysis.
    """
    row = session.get(AnalysisRow, analysis_id) if is_id(analysis_id) else None
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
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    count: bool = True,
) -> Page:
    """Analyses newest first, without their results (`result` is None).

    Args:
        kind: Only "image" or only "video" analyses (not yet known: neither).
        since: Only analyses created at or after this (aware) time.
        until: Only analyses created before this (aware) time.
        count: Count every matching analysis for `total` (a scan that grows with them);
            False: `total` is -1.
    """
    where = _filters(source=source, status=status)
    if kind is not None:
        where.append(AnalysisRow.kind == kind)
    if since is not None:
        where.append(AnalysisRow.created_at >= since)
    if until is not None:
        where.append(AnalysisRow.created_at < until)
    total = (
        session.scalar(select(func.count()).select_from(AnalysisRow).where(*where)) or 0
        if count
        else -1
    )
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
    """Delete an analysis with its faces, frames, people and source posts (and a stream's
    windows: its worker finds it gone at its next window and stops), and take it and its
    people out of the rollups; returns what was deleted.

    Raises:
        NotFound: No such analysis.
    """
    record = get_analysis(session=session, analysis_id=analysis_id)
    # Lock the row before reading its people (a no-op update: a row lock on PostgreSQL, the
    # write lock on SQLite), so that a finish of this analysis commits all or none of them.
    locked = session.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == analysis_id)
        .values(attempts=AnalysisRow.attempts)
    )
    if int(locked.rowcount) != 1:  # type: ignore[attr-defined]
        raise NotFound(f"no analysis {analysis_id!r}")
    uncount_analysis(
        session=session, analysis_id=analysis_id, source=record.source, at=record.created_at
    )
    # Explicit, so that it does not depend on the database enforcing ON DELETE CASCADE.
    session.execute(delete(FaceRow).where(FaceRow.analysis_id == analysis_id))
    session.execute(delete(FrameRow).where(FrameRow.analysis_id == analysis_id))
    session.execute(delete(PersonRow).where(PersonRow.analysis_id == analysis_id))
    session.execute(delete(SourcePostRow).where(SourcePostRow.analysis_id == analysis_id))
    session.execute(delete(StreamWindowRow).where(StreamWindowRow.stream_id == analysis_id))
    session.execute(delete(StreamRow).where(StreamRow.id == analysis_id))
    session.execute(delete(AnalysisRow).where(AnalysisRow.id == analysis_id))
    return record


def count_people(*, session: Session, analysis_ids: Iterable[str]) -> dict[str, int]:
    """How many people each analysis counts in the statistics (a video's tracks once each);
    analyses without any are left out."""
    ids = list(analysis_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(PersonRow.analysis_id, func.count())
        .where(PersonRow.analysis_id.in_(ids))
        .group_by(PersonRow.analysis_id)
    )
    return {analysis_id: int(n) for analysis_id, n in rows}


def count_media_users(*, session: Session, sha256: str) -> int:
    """How many analyses use the stored media with this digest."""
    query = select(func.count()).where(AnalysisRow.media_sha256 == sha256)
    return session.scalar(query) or 0


def _filters(*, source: str | None, status: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(AnalysisRow.source == source)
    if status is not None:
        where.append(AnalysisRow.status == status)
    return where


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
        classifier=row["classifier"],
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
        progress=_progress(row.get("progress_done"), row.get("progress_total")),
    )


def _progress(done: int | None, total: int | None) -> Progress | None:
    if done is None or total is None:
        return None
    return Progress(done=min(done, total), total=total)
