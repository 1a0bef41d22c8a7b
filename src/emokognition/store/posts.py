"""What the bot needs: source posts recorded once, replied to once, and a cursor per
(source, account)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from emokognition.errors import NotFound
from emokognition.store.analyses import utcnow
from emokognition.store.models import CursorRow, SourcePostRow
from emokognition.store.records import SourcePost


def record_source_post(
    *,
    session: Session,
    source: str,
    post_id: str,
    media_key: str,
    analysis_id: str | None,
    account: str | None = None,
    landmark: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> SourcePost:
    """Link a post's media to its analysis (or landmark), once: a second call returns the first.

    Concurrent callers are safe: the unique (source, post_id, media_key) constraint decides,
    and the others get the first record with `created=False`.
    """
    values = {
        "source": source,
        "post_id": post_id,
        "media_key": media_key,
        "account": account,
        "analysis_id": analysis_id,
        "landmark": landmark,
        "created_at": now or utcnow(),
    }
    statement = (
        _insert(session, SourcePostRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "post_id", "media_key"])
        .returning(SourcePostRow.id)
    )
    created = session.execute(statement).first() is not None
    post = find_source_post(session=session, source=source, post_id=post_id, media_key=media_key)
    if post is None:  # deleted between the two statements by a concurrent DELETE
        raise NotFound(f"source post {source}/{post_id}/{media_key} vanished")
    return replace(post, created=created)


def find_source_post(
    *, session: Session, source: str, post_id: str, media_key: str
) -> SourcePost | None:
    """The recorded post media, or None."""
    row = session.scalar(
        select(SourcePostRow).where(
            SourcePostRow.source == source,
            SourcePostRow.post_id == post_id,
            SourcePostRow.media_key == media_key,
        )
    )
    return None if row is None else _post(row, created=False)


def find_post_media(*, session: Session, source: str, post_id: str) -> tuple[SourcePost, ...]:
    """Every recorded media of one post, in the order they were recorded."""
    rows = session.scalars(
        select(SourcePostRow)
        .where(SourcePostRow.source == source, SourcePostRow.post_id == post_id)
        .order_by(SourcePostRow.id)
    )
    return tuple(_post(row, created=False) for row in rows)


def claim_reply(
    *, session: Session, source: str, post_id: str, now: datetime | None = None
) -> bool:
    """Take the right to reply to a post: True for exactly one caller, ever (until released).

    Claimed before sending, so that a process killed while sending never replies again:
    at most once, where the alternative would be twice.
    """
    result = session.execute(
        update(SourcePostRow)
        .where(
            SourcePostRow.source == source,
            SourcePostRow.post_id == post_id,
            SourcePostRow.reply_claimed_at.is_(None),
        )
        .values(reply_claimed_at=now or utcnow())
    )
    return _changed(result) > 0


def release_reply(*, session: Session, source: str, post_id: str) -> None:
    """Give a claim back after the source refused the reply for sure (nothing was posted)."""
    session.execute(
        update(SourcePostRow)
        .where(
            SourcePostRow.source == source,
            SourcePostRow.post_id == post_id,
            SourcePostRow.reply_id.is_(None),
        )
        .values(reply_claimed_at=None)
    )


def record_reply(
    *, session: Session, source: str, post_id: str, reply_id: str, now: datetime | None = None
) -> None:
    """Store the id of the reply sent to a post."""
    session.execute(
        update(SourcePostRow)
        .where(SourcePostRow.source == source, SourcePostRow.post_id == post_id)
        .values(reply_id=reply_id, replied_at=now or utcnow())
    )


def list_source_posts(
    *,
    session: Session,
    source: str | None = None,
    landmarks_only: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> tuple[SourcePost, ...]:
    """Recorded post media, newest first; `landmarks_only`: the landmark bot's."""
    query = select(SourcePostRow)
    if landmarks_only:
        query = query.where(SourcePostRow.landmark.is_not(None))
    if source is not None:
        query = query.where(SourcePostRow.source == source)
    rows = session.scalars(
        query.order_by(SourcePostRow.created_at.desc(), SourcePostRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return tuple(_post(row, created=False) for row in rows)


def list_landmarks(
    *, session: Session, source: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[SourcePost, ...]:
    """The landmark bot's results, newest first."""
    return list_source_posts(
        session=session, source=source, landmarks_only=True, limit=limit, offset=offset
    )


def get_cursor(*, session: Session, source: str, account: str) -> str | None:
    """Where the poller of this source and account left off, or None when it never ran."""
    row = session.get(CursorRow, (source, account))
    return None if row is None else row.value


def set_cursor(
    *, session: Session, source: str, account: str, value: str, now: datetime | None = None
) -> None:
    """Store where the poller of this source and account left off (insert or update)."""
    at = now or utcnow()
    statement = (
        _insert(session, CursorRow)
        .values(source=source, account=account, value=value, updated_at=at)
        .on_conflict_do_update(
            index_elements=["source", "account"], set_={"value": value, "updated_at": at}
        )
    )
    session.execute(statement)


def _insert(session: Session, table: type[SourcePostRow] | type[CursorRow]) -> Any:
    """INSERT with ON CONFLICT for the session's dialect (SQLite and PostgreSQL have it)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _post(row: SourcePostRow, *, created: bool) -> SourcePost:
    return SourcePost(
        source=row.source,
        post_id=row.post_id,
        media_key=row.media_key,
        account=row.account,
        analysis_id=row.analysis_id,
        created_at=row.created_at,
        created=created,
        landmark=row.landmark,
        reply_claimed_at=row.reply_claimed_at,
        reply_id=row.reply_id,
        replied_at=row.replied_at,
    )


def _changed(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
