"""Every analysis, a page at a time, filtered by source, kind, status and days: the list that
people page through and delete from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from emokognition.errors import RequestError
from emokognition.jobs import JobContext
from emokognition.store import STATUSES, Page, count_people, list_analyses, list_sources

KINDS = ("image", "video")
PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class ListFilters:
    """Which analyses to list.

    Attributes:
        kind: "image" or "video"; None for both.
        status: One of `STATUSES`; None for all.
        since: First day (UTC) they were created on.
        until: Last day (UTC, inclusive, as a person picks it).
    """

    source: str | None = None
    kind: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise RequestError(f"unknown kind {self.kind!r} ({', '.join(KINDS)})")
        if self.status is not None and self.status not in STATUSES:
            raise RequestError(f"unknown status {self.status!r} ({', '.join(STATUSES)})")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise RequestError(f"'since' ({self.since}) is after 'until' ({self.until})")

    def query(self, **extra: int | str) -> str:
        """The filters (and `extra`) as a query string, for links that keep them."""
        values = {
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
            **extra,
        }
        return urlencode({name: value for name, value in values.items() if value})


@dataclass(frozen=True, slots=True)
class Catalog:
    """A page of analyses with the people each counts in the statistics.

    Attributes:
        people: Per analysis id, the people it counts (a video's tracks once each); done
            analyses without faces are not in it.
        sources: Every source there is, for the filter.
    """

    filters: ListFilters
    page: Page
    people: dict[str, int]
    sources: tuple[str, ...]

    @property
    def previous_offset(self) -> int | None:
        return None if self.page.offset == 0 else max(0, self.page.offset - self.page.limit)

    @property
    def next_offset(self) -> int | None:
        following = self.page.offset + self.page.limit
        return following if following < self.page.total else None


def load_catalog(
    context: JobContext, filters: ListFilters, *, offset: int = 0, limit: int = PAGE_SIZE
) -> Catalog:
    with context.database.session() as session:
        page = list_analyses(
            session=session,
            limit=limit,
            offset=offset,
            source=filters.source,
            kind=filters.kind,
            status=filters.status,
            since=_start(filters.since),
            until=_start(filters.until and filters.until + timedelta(days=1)),
        )
        return Catalog(
            filters=filters,
            page=page,
            people=count_people(session=session, analysis_ids=(a.id for a in page.items)),
            sources=list_sources(session=session),
        )


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), UTC)
