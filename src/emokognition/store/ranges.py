"""How a time range is counted from rollups: whole months from the month rollups, whole days
at either end from the day rollups, whole hours at either end from the hour rollups, and the
part of an hour at either end (when a bound is not on the hour) from the rows themselves. The
answer is exact for any bound, and its cost does not grow with the rows: at most two hours of
rows, and a few dozen rollups per source, classifier and emotion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from emokognition.store.rollups import PERIODS, Period, floor, following

Where = Literal["rows", "hour", "day", "month"]
_LEVELS: tuple[Where, ...] = ("rows", *PERIODS)


@dataclass(frozen=True, slots=True)
class Piece:
    """A part [since, until) of a range (None: unbounded) and where it is counted."""

    where: Where
    since: datetime | None
    until: datetime | None


def split_range(
    since: datetime | None, until: datetime | None, *, coarsest: Period = "month"
) -> tuple[Piece, ...]:
    """The pieces of [since, until) (aware datetimes, None: unbounded), each counted from the
    coarsest rollups that fit it, up to `coarsest` ("hour" keeps whole days in hour rollups,
    for hourly charts); the part of an hour at either end from the rows.

    An empty range gives no piece.
    """
    if since is not None and until is not None and since >= until:
        return ()
    return tuple(_cover(since, until, _LEVELS[: _LEVELS.index(coarsest) + 1]))


def _cover(
    since: datetime | None, until: datetime | None, levels: tuple[Where, ...]
) -> list[Piece]:
    """[since, until), aligned to `levels[0]`, from that level and the coarser ones."""
    here, coarser = levels[0], levels[1:]
    if not coarser:
        return [Piece(here, since, until)]
    period = cast(Period, coarser[0])  # every level but the first is a period
    try:
        first = None if since is None else _ceil(since, period)
        last = None if until is None else floor(until, period)
    except (OverflowError, ValueError):  # within the last period that datetime holds
        return [Piece(here, since, until)]
    if first is not None and last is not None and first > last:  # within one period
        return [Piece(here, since, until)]
    pieces = []
    if since is not None and since != first:
        pieces.append(Piece(here, since, first))
    if first is None or last is None or first < last:
        pieces.extend(_cover(first, last, coarser))
    if until is not None and until != last:
        pieces.append(Piece(here, last, until))
    return pieces


def _ceil(moment: datetime, period: Period) -> datetime:
    start = floor(moment, period)
    return start if start == moment else following(start, period)
