"""The dashboard's read side: counts, main and alternative emotions, mood over time, latest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from emokognition.emotions import EMOTIONS
from emokognition.errors import RequestError
from emokognition.jobs import JobContext
from emokognition.store import (
    Analysis,
    Bucket,
    MoodPoint,
    SourcePost,
    Stats,
    count_analyses,
    count_people,
    face_time_span,
    get_stats,
    list_analyses,
    list_classifiers,
    list_landmarks,
    list_sources,
    mood_over_time,
)

LATEST = 12
COMPARE_MAX = 6
# Ranges up to two days are drawn by hour, longer ones by day.
HOURLY_UP_TO = timedelta(days=2)
# Empty buckets between two points are drawn as zeros, unless there would be more than this.
_MAX_FILLED = 2000


@dataclass(frozen=True, slots=True)
class Filters:
    """What the dashboard shows: one source or all, and a range of whole UTC days.

    Attributes:
        since: First day shown.
        until: Last day shown (inclusive, as a person picks it).
        classifier: Only the faces of this classifier (all when None).
        compare: Sources shown side by side (same days and classifier), at most `COMPARE_MAX`.
    """

    source: str | None = None
    since: date | None = None
    until: date | None = None
    classifier: str | None = None
    compare: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise RequestError(f"'since' ({self.since}) is after 'until' ({self.until})")
        if len(self.compare) > COMPARE_MAX:
            raise RequestError(f"compare at most {COMPARE_MAX} sources, got {len(self.compare)}")

    @property
    def since_at(self) -> datetime | None:
        return None if self.since is None else datetime.combine(self.since, time(), UTC)

    @property
    def until_at(self) -> datetime | None:
        """The moment after the last day: the exclusive end that the statistics take."""
        if self.until is None:
            return None
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    def stats_url(self) -> str:
        """/api/v1/stats with the same filters: the numbers shown are its numbers."""
        query = {
            name: value
            for name, value in (
                ("source", self.source),
                ("since", self.since_at and self.since_at.isoformat()),
                ("until", self.until_at and self.until_at.isoformat()),
                ("classifier", self.classifier),
            )
            if value
        }
        return "/api/v1/stats" + (f"?{urlencode(query)}" if query else "")

    def page_url(self, *, compare: bool = True) -> str:
        """The dashboard with these filters (without the compared sources unless `compare`)."""
        query: list[tuple[str, str]] = [
            (name, str(value))
            for name, value in (
                ("source", self.source),
                ("since", self.since),
                ("until", self.until),
                ("classifier", self.classifier),
            )
            if value
        ]
        if compare:
            query += [("compare", name) for name in self.compare]
        return "/" + (f"?{urlencode(query)}" if query else "")

    def csv_url(self) -> str:
        """/api/v1/stats.csv with the same filters: the numbers and their mood over time."""
        return self.stats_url().replace("/api/v1/stats", "/api/v1/stats.csv", 1)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows, read in one transaction."""

    filters: Filters
    sources: tuple[str, ...]
    # Every classifier that recorded faces: more than one, and none chosen, mixes them.
    classifiers: tuple[str, ...]
    analyses: int
    stats: Stats
    bucket: Bucket
    mood: tuple[MoodPoint, ...]
    latest: tuple[Analysis, ...]
    # Ids of the latest analyses whose media is stored: those have a preview.
    previews: frozenset[str]
    # The landmark bot's latest answers (of the chosen source), newest first.
    landmarks: tuple[SourcePost, ...] = ()
    # The statistics of each source of `filters.compare`, in that order.
    compared: tuple[tuple[str, Stats], ...] = ()
    # People each latest analysis counts in the statistics (a video's tracks once each).
    people: dict[str, int] = field(default_factory=dict)

    def chart(self) -> dict[str, Any]:
        """Mood over time for the chart: x in Unix seconds, one list of counts per emotion,
        and the x range (one bucket either side of a lone point, so that it is centred)."""
        x = [int(point.start.timestamp()) for point in self.mood]
        step = 3600 if self.bucket == "hour" else 86400
        pad = step if len(x) == 1 else 0
        return {
            "bucket": self.bucket,
            "x": x,
            "range": [x[0] - pad, x[-1] + pad] if x else None,
            "series": {e: [point.main[e] for point in self.mood] for e in EMOTIONS},
        }


def load_dashboard(context: JobContext, filters: Filters) -> Dashboard:
    window: dict[str, Any] = {
        "source": filters.source,
        "since": filters.since_at,
        "until": filters.until_at,
    }
    faces = {**window, "classifier": filters.classifier}
    with context.database.session() as session:
        span = face_time_span(session=session, **faces)
        bucket = _bucket(filters, span)
        # The latest few, uncounted: the count of the range comes from the rollups.
        latest = list_analyses(session=session, limit=LATEST, count=False, **window).items
        return Dashboard(
            filters=filters,
            sources=list_sources(session=session),
            classifiers=list_classifiers(session=session),
            analyses=count_analyses(session=session, **window),
            stats=get_stats(session=session, **faces),
            bucket=bucket,
            mood=_fill_gaps(
                mood_over_time(session=session, bucket=bucket, **faces), bucket, filters
            ),
            latest=latest,
            previews=frozenset(
                a.id
                for a in latest
                if a.status == "done" and a.media_sha256 and a.media_sha256 in context.media
            ),
            landmarks=list_landmarks(session=session, source=filters.source, limit=LATEST),
            people=count_people(session=session, analysis_ids=(a.id for a in latest)),
            compared=tuple(
                (name, get_stats(session=session, **{**faces, "source": name}))
                for name in filters.compare
            ),
        )


def _bucket(filters: Filters, span: tuple[datetime, datetime] | None) -> Bucket:
    if span is None:
        return "day"
    return choose_bucket(filters.since_at or span[0], filters.until_at or span[1])


def choose_bucket(start: datetime, end: datetime) -> Bucket:
    """By hour for ranges up to `HOURLY_UP_TO`, by day for longer ones."""
    return "hour" if end - start <= HOURLY_UP_TO else "day"


def _fill_gaps(
    points: tuple[MoodPoint, ...], bucket: Bucket, filters: Filters
) -> tuple[MoodPoint, ...]:
    """Zeros for the hours or days without faces: out to the ends of the chosen range (not
    past now), so that a lone point has a context; only between the first and the last point
    when that would be too many; not at all when even that would be."""
    if not points:
        return points
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    first, last = points[0].start, points[-1].start
    if filters.since_at is not None:
        first = min(first, filters.since_at)  # midnight: the start of an hour and of a day
    if filters.until_at is not None:
        this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        last = max(last, min(filters.until_at - step, this_hour))
    if (last - first) / step > _MAX_FILLED:
        first, last = points[0].start, points[-1].start
        if (last - first) / step > _MAX_FILLED:
            return points
    known = {point.start: point for point in points}
    zeros = dict.fromkeys(EMOTIONS, 0)
    count = (last - first) // step + 1
    moments = (first + n * step for n in range(count))
    return tuple(known.get(m) or MoodPoint(start=m, main=dict(zeros)) for m in moments)
