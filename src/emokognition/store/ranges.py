"""How a time range is counted from rollups: whole days from the day rollups, whole hours
at either end from the hour rollups, and the part of an hour at either end (when a bound is
not on the hour) from the rows themselves. The answer is exact for any bound, and its cost
does not grow with the rows: at most two hours of rows, and a rollup per hour or day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from emokognition.store.rollups import STEPS, Period, floor

Where = Literal["rows", "hour", "day"]


@dataclass(frozen=True, slots=True)
class Piece:
    """A part [since, until) of a range (None: unbounded) and where it is counted."""

    where: Where
    since: datetime | None
    until: datetime | None


def split_range(
    since: datetime | None, until: datetime | None, *, finest: Period = "day"
) -> tuple[Piece, ...]:
    """The pieces of [since, until) (aware datetimes, None: unbounded), to count each from
    its own place; `finest` "hour" keeps whole days in hour rollups (for hourly charts).

    An empty range gives no piece.
    """
    if since is not None and until is not None and since >= until:
        return ()
    try:
        first = None if since is None else _ceil(since, "hour")
        last = None if until is None else floor(until, "hour")
    except OverflowError:  # within the last hour that datetime can hold
        return (Piece("rows", since, until),)
    if first is not None and last is not None and first > last:  # within one hour
        return (Piece("rows", since, until),)
    pieces = []
    if since is not None and since != first:
        pieces.append(Piece("rows", since, first))
    if first is None or last is None or first < last:
        pieces.extend(_whole_hours(first, last, days=finest == "day"))
    if until is not None and until != last:
        pieces.append(Piece("rows", last, until))
    return tuple(pieces)


def _whole_hours(first: datetime | None, last: datetime | None, *, days: bool) -> list[Piece]:
    """[first, last) on the hour: whole days from the days, the other hours from the hours."""
    if not days:
        return [Piece("hour", first, last)]
    try:
        day_first = None if first is None else _ceil(first, "day")
    except OverflowError:
        return [Piece("hour", first, last)]
    day_last = None if last is None else floor(last, "day")
    if day_first is not None and day_last is not None and day_first >= day_last:
        return [Piece("hour", first, last)]
    pieces = []
    if first is not None and first != day_first:
        pieces.append(Piece("hour", first, day_first))
    pieces.append(Piece("day", day_first, day_last))
    if last is not None and last != day_last:
        pieces.append(Piece("hour", day_last, last))
    return pieces


def _ceil(moment: datetime, period: Period) -> datetime:
    start = floor(moment, period)
    return start if start == moment else start + STEPS[period]
