"""What the dashboard reads beside the statistics: counts, sources, mood over time (SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, literal, select, union_all
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
        main: People counts by main emotion, keyed by every one of `EMOTIONS`, 0 where none.
        alternative: The same people by their alternative emotion.
    """

    start: datetime
    main: dict[str, int]
    alternative: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EMOTIONS, 0))

    def __post_init__(self) -> None:
        for name, counts in (("main", self.main), ("alternative", self.alternative)):
            if tuple(counts) != EMOTIONS:
                raise ValueError(f"{name} must be keyed {EMOTIONS}, got {tuple(counts)}")
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
    """People by main and by alternative emotion per hour or day (UTC), oldest first; buckets
    without any are left out, so the caller decides how to draw gaps.

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
    by_axis = (
        select(literal(axis).label("axis"), start.label("start"), column, func.count())
        .where(*where)
        .group_by(start, column)
        for axis, column in (("main", PersonRow.main), ("alternative", PersonRow.alternative))
    )
    points: dict[datetime, dict[str, dict[str, int]]] = {}
    for axis, moment, emotion, n in session.execute(union_all(*by_axis)):
        point = points.setdefault(
            _aware(moment), {name: dict.fromkeys(EMOTIONS, 0) for name in ("main", "alternative")}
        )
        if emotion in point[axis]:
            point[axis][emotion] = int(n)
    return tuple(
        MoodPoint(start=moment, main=counts["main"], alternative=counts["alternative"])
        for moment, counts in sorted(points.items())
    )


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
