"""What the bot needs: source posts recorded once, and a cursor per (source, account)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
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
    analysis_id: str,
    account: str | None = None,
    now: datetime | None = None,
) -> SourcePost:
    """Link a post's media to its analysis, once: a second call returns the first record.

    Concurrent callers are safe: the unique (source, post_id, media_key) constraint decides,
    and the others get the first record with `created=False`.
    """
    values = {
        "source": source,
        "post_id": post_id,
        "media_key": media_key,
        "account": account,
        "analysis_id": analysis_id,
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
    )
