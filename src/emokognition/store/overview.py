"""What the dashboard reads beside the statistics: counts, sources, classifiers, mood over
time; from the rollups where the rows would grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.store.models import AnalysisRow, PersonRow, RollupRow
from emokognition.store.ranges import Piece, split_range
from emokognition.store.rollups import floor
from emokognition.store.stats import people_filters, rollup_filters

Bucket = Literal["hour", "day"]
BUCKETS: tuple[Bucket, ...] = ("hour", "day")


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
    """How many analyses (any status) were created in [since, until) from `source`: from the
    rollups, the part of an hour at either end from the analyses."""
    total = 0
    for piece in split_range(since, until):
        if piece.where == "rows":
            where = _range(AnalysisRow.source, AnalysisRow.created_at, source, piece)
            query = select(func.count()).select_from(AnalysisRow).where(*where)
        else:
            query = select(func.sum(RollupRow.tally)).where(
                *rollup_filters(piece, source, None), RollupRow.axis == "analyses"
            )
        total += int(session.scalar(query) or 0)
    return total


def list_sources(*, session: Session) -> tuple[str, ...]:
    """Every source that has an analysis, sorted (from the month rollups)."""
    return _distinct(session, RollupRow.source, "analyses")


def list_classifiers(*, session: Session) -> tuple[str, ...]:
    """Every classifier that has recorded a face, sorted (from the month rollups)."""
    return _distinct(session, RollupRow.classifier, "main")


def _distinct(session: Session, column: InstrumentedAttribute[str], axis: str) -> tuple[str, ...]:
    query = (
        select(column)
        .where(RollupRow.period == "month", RollupRow.axis == axis, RollupRow.tally > 0)
        .distinct()
        .order_by(column)
    )
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
    where = people_filters(Piece("rows", since, until), source, classifier)
    # Two queries: SQLite reads one end of an index for a lone MIN or MAX, not for both.
    first = session.scalar(select(func.min(PersonRow.created_at)).where(*where))
    last = session.scalar(select(func.max(PersonRow.created_at)).where(*where))
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
    """People by main and by alternative emotion per hour or day (UTC), oldest first, from
    the rollups; buckets
    without any are left out, so the caller decides how to draw gaps.

    Raises:
        ValueError: `bucket` is not one of `BUCKETS`.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}, got {bucket!r}")
    points: dict[datetime, dict[str, dict[str, int]]] = {}
    for piece in split_range(since, until, coarsest=bucket):
        for moment, axis, emotion, n in _mood_counts(session, piece, source, classifier):
            point = points.setdefault(
                floor(moment, bucket),
                {name: dict.fromkeys(EMOTIONS, 0) for name in ("main", "alternative")},
            )
            if emotion in point[axis]:
                point[axis][emotion] += int(n)
    return tuple(
        MoodPoint(start=moment, main=counts["main"], alternative=counts["alternative"])
        for moment, counts in sorted(points.items())
    )


def _mood_counts(
    session: Session, piece: Piece, source: str | None, classifier: str | None
) -> list[tuple[datetime, str, str, int]]:
    """(start, axis, emotion, people) of a piece, for the axes "main" and "alternative"; a
    rows piece lies within one hour."""
    if piece.where != "rows":
        query = (
            select(RollupRow.start, RollupRow.axis, RollupRow.emotion, func.sum(RollupRow.tally))
            .where(
                *rollup_filters(piece, source, classifier),
                RollupRow.axis.in_(("main", "alternative")),
                RollupRow.tally != 0,  # a count taken back to 0 is no point on the chart
            )
            .group_by(RollupRow.start, RollupRow.axis, RollupRow.emotion)
        )
        return [
            (start, axis, emotion, int(n)) for start, axis, emotion, n in session.execute(query)
        ]
    if piece.since is None:  # split_range bounds every rows piece
        raise ValueError(f"a rows piece needs its start: {piece}")
    since = piece.since
    return [
        (since, axis, emotion, int(n))
        for axis, column in (("main", PersonRow.main), ("alternative", PersonRow.alternative))
        for emotion, n in session.execute(
            select(column, func.count())
            .where(*people_filters(piece, source, classifier))
            .group_by(column)
        )
    ]


def _range(
    source_column: InstrumentedAttribute[str],
    time_column: InstrumentedAttribute[datetime],
    source: str | None,
    piece: Piece,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(source_column == source)
    if piece.since is not None:
        where.append(time_column >= piece.since)
    if piece.until is not None:
        where.append(time_column < piece.until)
    return where


def _aware(moment: datetime | str) -> datetime:
    """A database moment (naive UTC datetime, or SQLite text) as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC)
