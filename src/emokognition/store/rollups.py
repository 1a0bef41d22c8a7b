"""Rollups: the counts that the statistics read, kept in the transaction that writes the rows
they count, so that a count and its rows never disagree (`check_rollups` proves it).

Per hour, day and month (UTC) of an analysis's creation, source and classifier: its people by
main and by alternative emotion (added when it finishes, taken back when it is deleted), and
per hour, day, month and source the analyses created (any status). Every change is one
`INSERT ... ON CONFLICT DO UPDATE` adding to the counts, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.store.models import AnalysisRow, PersonRow, RollupRow, table

Period = Literal["hour", "day", "month"]
PERIODS: tuple[Period, ...] = ("hour", "day", "month")
"""Finest first: a range reads the coarsest rollups that fit it (`store.ranges`)."""

Key = tuple[str, datetime, str, str, str, str]
"""(period, start, source, classifier, axis, emotion): a rollup's primary key."""

_KEY_COLUMNS = ("period", "start", "source", "classifier", "axis", "emotion")
# SQLite keeps naive UTC datetimes as text: truncating is formatting.
_SQLITE_FORMATS: dict[Period, str] = {
    "hour": "%Y-%m-%d %H:00:00.000000",
    "day": "%Y-%m-%d 00:00:00.000000",
    "month": "%Y-%m-01 00:00:00.000000",
}


def floor(moment: datetime, period: Period) -> datetime:
    """The start of the hour, day or month that `moment` is in."""
    moment = moment.replace(minute=0, second=0, microsecond=0)
    if period == "hour":
        return moment
    moment = moment.replace(hour=0)
    return moment if period == "day" else moment.replace(day=1)


def following(start: datetime, period: Period) -> datetime:
    """The start of the period after the one starting at `start`.

    Raises:
        OverflowError: Past what a datetime holds.
    """
    if period == "hour":
        return start + timedelta(hours=1)
    if period == "day":
        return start + timedelta(days=1)
    if start.month == 12:
        if start.year == MAXYEAR:
            raise OverflowError(f"no month after {start.isoformat()}")
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def count_analysis(*, session: Session, source: str, at: datetime) -> None:
    """Count an analysis created at `at`."""
    counts: Counter[Key] = Counter(
        {(period, floor(at, period), source, "", "analyses", ""): 1 for period in PERIODS}
    )
    add_counts(session=session, counts=counts)


def count_people(*, session: Session, people: Iterable[Mapping[str, Any]]) -> None:
    """Count rows of the people table by main and by alternative emotion."""
    counts: Counter[Key] = Counter()
    for person in people:
        for period in PERIODS:
            start = floor(person["created_at"], period)
            common = (period, start, person["source"], person["classifier"])
            counts[(*common, "main", person["main"])] += 1
            counts[(*common, "alternative", person["alternative"])] += 1
    add_counts(session=session, counts=counts)


def uncount_analysis(*, session: Session, analysis_id: str, source: str, at: datetime) -> None:
    """Take back an analysis created at `at` and its people, read from the people table
    (before deleting them, under the analysis's lock: see `delete_analysis`)."""
    rows = session.execute(
        select(PersonRow.classifier, PersonRow.main, PersonRow.alternative, func.count())
        .where(PersonRow.analysis_id == analysis_id)
        .group_by(PersonRow.classifier, PersonRow.main, PersonRow.alternative)
    )
    counts: Counter[Key] = Counter()
    for period in PERIODS:
        counts[(period, floor(at, period), source, "", "analyses", "")] -= 1
    for classifier, main, alternative, n in rows:
        for period in PERIODS:
            common = (period, floor(at, period), source, classifier)
            counts[(*common, "main", main)] -= int(n)
            counts[(*common, "alternative", alternative)] -= int(n)
    add_counts(session=session, counts=counts)


def add_counts(*, session: Session, counts: Mapping[Key, int]) -> None:
    """Add `counts` to the rollups, creating the rows that are missing.

    Keys go in one order (analyses first, then sorted), so that concurrent transactions on
    PostgreSQL lock the rows they share in the same order and never deadlock. One statement,
    compiled once, executed for many rows.
    """
    keys = sorted((key for key, n in counts.items() if n), key=lambda k: (k[4] != "analyses", k))
    if not keys:
        return
    rows = [{**dict(zip(_KEY_COLUMNS, key, strict=True)), "tally": counts[key]} for key in keys]
    insert = _insert(session)
    upsert = insert.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={"tally": table(RollupRow).c.tally + insert.excluded.tally},
    )
    session.execute(upsert, rows)


def _insert(session: Session) -> Any:
    # The table, not the mapped class: a Core statement, without the ORM's bulk machinery.
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table(RollupRow))
    return sqlite.insert(table(RollupRow))


@dataclass(frozen=True, slots=True)
class Difference:
    """A rollup that disagrees with the rows it counts."""

    key: Key
    rows: int
    rollup: int

    def __str__(self) -> str:
        period, start, source, classifier, axis, emotion = self.key
        what = "analyses" if axis == "analyses" else f"{classifier} {axis} {emotion}"
        return (
            f"{period} {start.isoformat()} {source} {what}: "
            f"{self.rows} in the rows, {self.rollup} in the rollups"
        )


@dataclass(frozen=True, slots=True)
class RollupCheck:
    """What `check_rollups` found: how many counts it compared, and those that differ."""

    checked: int
    differences: tuple[Difference, ...]


def check_rollups(*, session: Session) -> RollupCheck:
    """Recount people and analyses from their rows and compare with the rollups."""
    expected = recount(session=session)
    recorded: Counter[Key] = Counter()
    for row in session.execute(
        select(*(getattr(RollupRow, c) for c in _KEY_COLUMNS), RollupRow.tally).where(
            RollupRow.tally != 0
        )
    ):
        *key, tally = row
        recorded[_key(key)] = int(tally)
    keys = sorted(set(expected) | set(recorded))
    differences = tuple(
        Difference(key, expected[key], recorded[key])
        for key in keys
        if expected[key] != recorded[key]
    )
    return RollupCheck(checked=len(keys), differences=differences)


def recount(*, session: Session) -> Counter[Key]:
    """Every rollup as the rows give it (grouped in SQL by hour; days and months summed from
    hours)."""
    counts: Counter[Key] = Counter()
    hour = _truncate(session, PersonRow.created_at)
    for axis, column in (("main", PersonRow.main), ("alternative", PersonRow.alternative)):
        query = select(hour, PersonRow.source, PersonRow.classifier, column, func.count()).group_by(
            hour, PersonRow.source, PersonRow.classifier, column
        )
        for start, source, classifier, emotion, n in session.execute(query):
            _add_hour(counts, _moment(start), (source, classifier, axis, emotion), int(n))
    created = _truncate(session, AnalysisRow.created_at)
    query = select(created, AnalysisRow.source, func.count()).group_by(created, AnalysisRow.source)
    for start, source, n in session.execute(query):
        _add_hour(counts, _moment(start), (source, "", "analyses", ""), int(n))
    return counts


def _add_hour(
    counts: Counter[Key], start: datetime, rest: tuple[str, str, str, str], n: int
) -> None:
    source, classifier, axis, emotion = rest
    for period in PERIODS:
        counts[(period, floor(start, period), source, classifier, axis, emotion)] += n


def _truncate(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime(_SQLITE_FORMATS["hour"], column)
    return func.date_trunc("hour", column)


def _moment(value: datetime | str) -> datetime:
    """A truncated database moment (naive UTC, or SQLite text) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


def _key(values: list[Any]) -> Key:
    period, start, source, classifier, axis, emotion = values
    return (str(period), start, str(source), str(classifier), str(axis), str(emotion))
