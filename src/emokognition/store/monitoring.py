"""What an operator watches, counted in the database at scrape time: analyses by kind and
status, the oldest queued job, live streams, the bot's posts and replies, failed downloads.

Read from the tables rather than counted in one process, so that the numbers cover every
server, worker and bot process on the database, and survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from emokognition.store.models import AnalysisRow, SourcePostRow
from emokognition.store.records import STATUSES
from emokognition.store.streams import count_active_streams

KINDS = ("image", "video", "stream")
UNKNOWN_KIND = "unknown"
"""The kind of a URL analysis whose media is not downloaded yet."""


@dataclass(frozen=True, slots=True)
class Monitoring:
    """One reading of the operational counts.

    Attributes:
        analyses: (kind, status) -> analyses recorded; every kind of `KINDS` with every status
            of `STATUSES` is present (0 when none), plus `UNKNOWN_KIND` where some exist.
        oldest_queued_at: When the oldest analysis still queued was accepted; None when none is.
        live_streams: Streams starting, live or reconnecting.
        mentions: source -> posts the bot recorded (each post once, however many pictures).
        replies: source -> posts the bot replied to.
        download_failures: error code -> URL analyses that failed before their media was
            stored (the download itself, or what it brought was no media we read).
    """

    analyses: dict[tuple[str, str], int]
    oldest_queued_at: datetime | None
    live_streams: int
    mentions: dict[str, int]
    replies: dict[str, int]
    download_failures: dict[str, int]


def read_monitoring(*, session: Session) -> Monitoring:
    """The operational counts, in a handful of grouped queries."""
    analyses = {(kind, status): 0 for kind in KINDS for status in STATUSES}
    rows = session.execute(
        select(AnalysisRow.kind, AnalysisRow.status, func.count()).group_by(
            AnalysisRow.kind, AnalysisRow.status
        )
    )
    for kind, status, n in rows:
        key = (kind or UNKNOWN_KIND, status)
        analyses[key] = analyses.get(key, 0) + int(n)
    oldest = oldest_queued_at(session=session)
    mentions = session.execute(
        select(SourcePostRow.source, func.count(distinct(SourcePostRow.post_id))).group_by(
            SourcePostRow.source
        )
    )
    replies = session.execute(
        select(SourcePostRow.source, func.count(distinct(SourcePostRow.post_id)))
        .where(SourcePostRow.replied_at.is_not(None))
        .group_by(SourcePostRow.source)
    )
    failures = session.execute(
        select(AnalysisRow.error_code, func.count())
        .where(
            AnalysisRow.status == "failed",
            AnalysisRow.url.is_not(None),
            AnalysisRow.media_sha256.is_(None),
        )
        .group_by(AnalysisRow.error_code)
    )
    return Monitoring(
        analyses=analyses,
        oldest_queued_at=oldest,
        live_streams=count_active_streams(session=session),
        mentions={source: int(n) for source, n in mentions},
        replies={source: int(n) for source, n in replies},
        download_failures={code or "error": int(n) for code, n in failures},
    )


def oldest_queued_at(*, session: Session) -> datetime | None:
    """When the oldest analysis still queued was accepted; None when none is."""
    return session.scalar(
        select(func.min(AnalysisRow.created_at)).where(AnalysisRow.status == "queued")
    )
