"""The tables: analyses, faces (one row per face per analysed frame), the analysed frames of
a video, the people the statistics count and their rollups, live streams and their windows,
source posts, cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that migrations can name what they change (SQLite included).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias that autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements: an insert of many rows in one executemany,
    without the ORM's bulk machinery (a third of a face insert's time)."""
    return cast(Table, model.__table__)


class AnalysisRow(Base):
    """One analysis of one piece of media: its job state and, when done, its result."""

    __tablename__ = "analyses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    detector: Mapped[str | None] = mapped_column(String(32))
    # The classifier asked for; None for the configured default (the result names the one used).
    classifier: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    media_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    media_format: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    faces: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Frames decoded of all in the video, reported every few seconds by the running job.
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_analyses_source_created_at", "source", "created_at"),)


class FaceRow(Base):
    """One face in one analysed frame (or in the image): what the statistics count."""

    __tablename__ = "faces"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    analysis_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("analyses.id", ondelete="CASCADE")
    )
    # Copied from the analysis so that statistics filter one indexed table.
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer)
    frame_index: Mapped[int | None] = mapped_column(Integer)
    t: Mapped[float | None] = mapped_column(Float)
    track: Mapped[int | None] = mapped_column(Integer)
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    w: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    main: Mapped[str] = mapped_column(String(16))
    alternative: Mapped[str] = mapped_column(String(16))
    angry: Mapped[float] = mapped_column(Float)
    disgusted: Mapped[float] = mapped_column(Float)
    fearful: Mapped[float] = mapped_column(Float)
    happy: Mapped[float] = mapped_column(Float)
    sad: Mapped[float] = mapped_column(Float)
    surprised: Mapped[float] = mapped_column(Float)
    neutral: Mapped[float] = mapped_column(Float)
    # The classifier that gave these emotions: statistics never mix two unknowingly.
    classifier: Mapped[str] = mapped_column(String(64))

    # Covering the statistics: counts by main and alternative (and classifier) read the index.
    __table_args__ = (
        Index(
            "ix_faces_source_created_at",
            "source",
            "created_at",
            "main",
            "alternative",
            "classifier",
        ),
        Index("ix_faces_created_at", "created_at", "main", "alternative", "classifier"),
        # An analysis's faces, and a page of a video's frames, in order.
        Index("ix_faces_analysis_id_frame_index", "analysis_id", "frame_index", "position"),
    )


class FrameRow(Base):
    """One analysed frame of a video whose frames are stored as rows (written in chunks while
    it is analysed), numbered from 0 by `position`; its faces are the face rows of its
    `frame_index`. Older results keep their frames inside the analysis's result."""

    __tablename__ = "frames"

    analysis_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    frame_index: Mapped[int] = mapped_column(Integer)
    t: Mapped[float] = mapped_column(Float)
    faces: Mapped[int] = mapped_column(Integer)


class PersonRow(Base):
    """One person as the statistics count them: a face of a photo, a track of a video (once,
    by its main and alternative emotion over the video), or an untracked face of a video."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    analysis_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    # Copied from the analysis, as on faces, so that statistics filter one indexed table.
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    track: Mapped[int | None] = mapped_column(Integer)
    # The face rows this person stands for (1 for a photo's face).
    frames: Mapped[int] = mapped_column(Integer)
    main: Mapped[str] = mapped_column(String(16))
    alternative: Mapped[str] = mapped_column(String(16))
    classifier: Mapped[str] = mapped_column(String(64))

    # Covering the statistics, as the faces' indexes did before people were counted.
    __table_args__ = (
        Index(
            "ix_people_source_created_at",
            "source",
            "created_at",
            "main",
            "alternative",
            "classifier",
        ),
        Index("ix_people_created_at", "created_at", "main", "alternative", "classifier"),
    )


class StreamRow(Base):
    """A live stream being analysed: its job state (lease, attempts as fencing token, the
    stop flag) and counters kept with each window. Its faces and people hang on the analysis
    row of the same id (kind "stream"), as a video's do."""

    __tablename__ = "streams"

    id: Mapped[str] = mapped_column(
        String(32), ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    # starting, live, reconnecting (active); ended, stopped, failed (over).
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    fps: Mapped[float] = mapped_column(Float)
    window: Mapped[float] = mapped_column(Float)
    max_seconds: Mapped[float] = mapped_column(Float)
    detector: Mapped[str | None] = mapped_column(String(32))
    classifier: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last window was recorded (a resumed attempt's time goes on from there).
    last_window_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a sweeper last sent its job again (Celery), so that one sweeper sends it once.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every change, so that event streams poll one row for news.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    windows: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    next_frame: Mapped[int] = mapped_column(Integer, default=0)
    faces: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    tracks: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)


class StreamWindowRow(Base):
    """One window of a stream, recorded once: (stream, index) is its key."""

    __tablename__ = "stream_windows"

    stream_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True
    )
    window_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Seconds of stream time, from the stream's start (a resumed attempt's go on from there).
    t_start: Mapped[float] = mapped_column(Float)
    t_end: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    faces: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    main: Mapped[str | None] = mapped_column(String(16))
    # The window as the API serves it: audience, tracks on screen, skipped, latency.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class RollupRow(Base):
    """A count the statistics read instead of scanning rows, kept in the transaction that
    changes the rows it counts (`store.rollups`).

    Per `period` ("hour", "day" or "month", UTC) starting at `start`, per source and classifier: the
    people by `axis` "main" or "alternative" and `emotion`; and the analyses created
    (`axis` "analyses", `classifier` and `emotion` empty). A count that drops to 0 stays.
    """

    __tablename__ = "rollups"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    classifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    axis: Mapped[str] = mapped_column(String(16), primary_key=True)
    emotion: Mapped[str] = mapped_column(String(16), primary_key=True)
    tally: Mapped[int] = mapped_column(BigInteger)


class SourcePostRow(Base):
    """A post of a social source whose media was analysed: recorded once per media key."""

    __tablename__ = "source_posts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(128))
    media_key: Mapped[str] = mapped_column(String(256))
    account: Mapped[str | None] = mapped_column(String(256))
    # None for the landmark bot, which records a landmark instead of an emotion analysis.
    analysis_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # {"name", "score", "mid"}, or {} when none was recognised; None for emotion posts.
    landmark: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Set before the reply is sent, so that no restart ever sends a second one.
    reply_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_id: Mapped[str | None] = mapped_column(String(128))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Its index also serves lookups by (source, post_id), a prefix of it.
    __table_args__ = (
        UniqueConstraint("source", "post_id", "media_key", name="uq_source_posts_key"),
    )


class CursorRow(Base):
    """Where a source's poller left off, per account (e.g. the last mention id)."""

    __tablename__ = "cursors"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MediaRow(Base):
    """A stored media file (named by its sha256) that analyses use.

    Whoever adds a reference to the file or may remove the file takes this row's lock first
    (an upsert: a row lock on PostgreSQL, the write lock on SQLite), so that a file is never
    unlinked while an upload of the same bytes is taking it up.
    """

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last time an analysis took it up (or a delete looked at it).
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerRow(Base):
    """A Celery worker process, as it last said it was alive (its heartbeat)."""

    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    queue: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
