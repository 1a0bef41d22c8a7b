"""What the dashboard reads beside the statistics: counts, sources, classifiers, mood over
time; from the rollups where the rows would grow with the data."""

from __future__ import annotations

from dataclasses import dataclass
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
    """People by main emotion per hour or day (UTC), oldest first, from the rollups; buckets
    without any are left out, so the caller decides how to draw gaps.

    Raises:
        ValueError: `bucket` is not one of `BUCKETS`.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}, got {bucket!r}")
    points: dict[datetime, dict[str, int]] = {}
    for piece in split_range(since, until, coarsest=bucket):
        for moment, emotion, n in _mood_counts(session, piece, source, classifier):
            counts = points.setdefault(floor(moment, bucket), dict.fromkeys(EMOTIONS, 0))
            if emotion in counts:
                counts[emotion] += int(n)
    return tuple(MoodPoint(start=moment, main=main) for moment, main in sorted(points.items()))


def _mood_counts(
    session: Session, piece: Piece, source: str | None, classifier: str | None
) -> list[tuple[datetime, str, int]]:
    """(start, main emotion, people) of a piece; a rows piece lies within one hour."""
    if piece.where != "rows":
        query = (
            select(RollupRow.start, RollupRow.emotion, func.sum(RollupRow.tally))
            .where(
                *rollup_filters(piece, source, classifier),
                RollupRow.axis == "main",
                RollupRow.tally != 0,  # a count taken back to 0 is no point on the chart
            )
            .group_by(RollupRow.start, RollupRow.emotion)
        )
        return [(start, emotion, int(n)) for start, emotion, n in session.execute(query)]
    if piece.since is None:  # split_range bounds every rows piece
        raise ValueError(f"a rows piece needs its start: {piece}")
    by_main = (
        select(PersonRow.main, func.count())
        .where(*people_filters(piece, source, classifier))
        .group_by(PersonRow.main)
    )
    return [(piece.since, emotion, int(n)) for emotion, n in session.execute(by_main)]


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
