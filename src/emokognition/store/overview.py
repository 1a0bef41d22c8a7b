"""What the dashboard reads beside the statistics: counts, sources, mood over time (SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.store.models import AnalysisRow, PersonRow

Bucket = Literal["hour", "day"]
BUCKETS: tuple[Bucket, ...] = ("hour", "day")

# SQLite keeps naive UTC datetimes as ISO text: truncating is formatting.
_SQLITE_FORMATS = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


@dataclass(frozen=True, slots=True)
class MoodPoint:
    """People (a photo's faces, a video's tracks) by main emotion in one hour or day.

    Attributes:
        start: The bucket's first moment (aware, UTC).
        main: People counts keyed by every one of `EMOTIONS`, 0 where none.
    """

    start: datetime
    main: dict[str, int]

    def __post_init__(self) -> None:
        if tuple(self.main) != EMOTIONS:
            raise ValueError(f"main must be keyed {EMOTIONS}, got {tuple(self.main)}")
        if self.start.tzinfo is None:
            raise ValueError(f"start must be aware, got {self.start!r}")

    @property
    def faces(self) -> int:
        return sum(self.main.values())


def count_analyses(
    *,
    session: Session,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many analyses (any status) were created in [since, until) from `source`."""
    where = _range(AnalysisRow.source, AnalysisRow.created_at, source, since, until)
    return session.scalar(select(func.count()).select_from(AnalysisRow).where(*where)) or 0


def list_sources(*, session: Session) -> tuple[str, ...]:
    """Every source that has an analysis, sorted."""
    query = select(AnalysisRow.source).distinct().order_by(AnalysisRow.source)
    return tuple(session.scalars(query))


def list_classifiers(*, session: Session) -> tuple[str, ...]:
    """Every classifier that has recorded a face, sorted."""
    query = select(PersonRow.classifier).distinct().order_by(PersonRow.classifier)
    return tuple(session.scalars(query))


def face_time_span(
    *,
    session: Session,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    classifier: str | None = None,
) -> tuple[datetime, datetime] | None:
    """When the first and the last matching face were recorded; None without faces."""
    where = _range(PersonRow.source, PersonRow.created_at, source, since, until)
    if classifier is not None:
        where.append(PersonRow.classifier == classifier)
    first, last = session.execute(
        select(func.min(PersonRow.created_at), func.max(PersonRow.created_at)).where(*where)
    ).one()
    if first is None or last is None:
        return None
    return _aware(first), _aware(last)


def mood_over_time(
    *,
    session: Session,
    bucket: Bucket,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    classifier: str | None = None,
) -> tuple[MoodPoint, ...]:
    """People by main emotion per hour or day (UTC), oldest first; buckets without any are
    left out, so the caller decides how to draw gaps.

    Raises:
        ValueError: `bucket` is not one of `BUCKETS`.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}, got {bucket!r}")
    where = _range(PersonRow.source, PersonRow.created_at, source, since, until)
    if classifier is not None:
        where.append(PersonRow.classifier == classifier)
    start: ColumnElement[datetime | str]
    if session.get_bind().dialect.name == "sqlite":
        start = func.strftime(_SQLITE_FORMATS[bucket], PersonRow.created_at)
    else:
        start = func.date_trunc(bucket, PersonRow.created_at)
    query = (
        select(start.label("start"), PersonRow.main, func.count())
        .where(*where)
        .group_by(start, PersonRow.main)
        .order_by(start)
    )
    points: dict[datetime, dict[str, int]] = {}
    for moment, emotion, n in session.execute(query):
        counts = points.setdefault(_aware(moment), dict.fromkeys(EMOTIONS, 0))
        if emotion in counts:
            counts[emotion] = int(n)
    return tuple(MoodPoint(start=moment, main=main) for moment, main in sorted(points.items()))


def _range(
    source_column: InstrumentedAttribute[str],
    time_column: InstrumentedAttribute[datetime],
    source: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(source_column == source)
    if since is not None:
        where.append(time_column >= since)
    if until is not None:
        where.append(time_column < until)
    return where


def _aware(moment: datetime | str) -> datetime:
    """A database moment (naive UTC datetime, or SQLite text) as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC)
