"""/api/v1/stats: the mood statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from emokognition.errors import RequestError
from emokognition.web.deps import ServiceDep
from emokognition.web.schemas import StatsOut, error_responses
from emokognition.web.security import ReadAccess

router = APIRouter(tags=["stats"])


def _not_a_number(value: object) -> object:
    """Pydantic takes a bare number for a Unix time (`until=0.5` is 1970); in a query string
    nobody means that, so a moment must be written as ISO 8601."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError(f"give an ISO 8601 date or time (2026-01-31), not a number: {value!r}")
    return value


Moment = Annotated[datetime, BeforeValidator(_not_a_number)]


@router.get(
    "/stats",
    summary="People by main and alternative emotion (a video's track counts once)",
    dependencies=[ReadAccess],
    responses=error_responses(400, 422),
)
def get_stats(
    service: ServiceDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        Moment | None, Query(description="ISO 8601 date or time; UTC when naive.")
    ] = None,
    until: Annotated[Moment | None, Query(description="ISO 8601, exclusive.")] = None,
    classifier: Annotated[
        str | None, Query(max_length=64, description="Only faces of this classifier.")
    ] = None,
) -> StatsOut:
    """Counts over the people of analyses created in [since, until) from `source` (all if
    absent), classified by `classifier` (all if absent: then two classifiers may be mixed).
    A photo counts each face; a video each track once, by the track's emotions."""
    since, until = utc(since, "since"), utc(until, "until")
    if since is not None and until is not None and since > until:
        raise RequestError("'since' is after 'until'")
    return StatsOut.of(
        service.stats(source=source, since=since, until=until, classifier=classifier)
    )


def utc(moment: datetime | None, name: str) -> datetime | None:
    """The moment in UTC (naive: taken as UTC); one that UTC cannot hold (0001-01-01 at
    +00:01 is in year 0) is refused, not a 500 from the database layer."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except OverflowError as exc:
        raise RequestError(f"'{name}' is out of range: {moment.isoformat()}") from exc
