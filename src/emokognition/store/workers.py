"""Celery workers as they last said they were alive: what /health reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from emokognition.store.analyses import utcnow
from emokognition.store.models import WorkerRow


def record_heartbeat(
    *, session: Session, name: str, queue: str, started_at: datetime, now: datetime | None = None
) -> None:
    """The worker `name`, taking jobs from `queue`, is alive now (insert or update)."""
    at = now or utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(WorkerRow)
        .values(name=name, queue=queue, started_at=started_at, seen_at=at)
        .on_conflict_do_update(index_elements=["name"], set_={"seen_at": at, "queue": queue})
    )


def remove_worker(*, session: Session, name: str) -> None:
    """The worker stopped on purpose: forget it at once."""
    session.execute(delete(WorkerRow).where(WorkerRow.name == name))


def count_workers(
    *, session: Session, queue: str, within: float, now: datetime | None = None
) -> int:
    """Workers of `queue` heard from in the last `within` seconds."""
    since = (now or utcnow()) - timedelta(seconds=within)
    query = select(func.count()).where(WorkerRow.queue == queue, WorkerRow.seen_at >= since)
    return session.scalar(query) or 0
