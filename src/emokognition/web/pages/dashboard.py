"""`/`: the mood dashboard: counts, main and alternative emotions, sources side by side, mood
over time, latest; the live streams running now."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from emokognition.app import AnalysisService, Filters, Stream, display_url
from emokognition.errors import RequestError
from emokognition.web.deps import ServiceDep
from emokognition.web.pages.access import PageRead
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

router = APIRouter(route_class=PageRoute, dependencies=[PageRead])

LIVE_LISTED = 10


@router.get("/")
async def dashboard(
    request: Request,
    service: ServiceDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=32)] = None,
    until: Annotated[str | None, Query(max_length=32)] = None,
    classifier: Annotated[str | None, Query(max_length=64)] = None,
    compare: Annotated[list[str] | None, Query()] = None,
) -> Response:
    filters = Filters(
        source=source or None,
        since=day(since, "since"),
        until=day(until, "until"),
        classifier=classifier or None,
        compare=_sources(compare or []),
    )
    view = await run_in_threadpool(service.overview, filters)
    live = await run_in_threadpool(live_streams, service, filters.source)
    return render(request, "dashboard.html", {"view": view, "live_streams": live})


def live_streams(service: AnalysisService, source: str | None) -> list[tuple[Stream, str]]:
    """The streams running now (of the chosen source), newest first, with their URLs."""
    page = service.streams.list(active=True, source=source, limit=LIVE_LISTED)
    return [(stream, display_url(stream)) for stream in page.items]


def _sources(names: list[str]) -> tuple[str, ...]:
    """The sources to compare, each once, in the order chosen."""
    if any(len(name) > 64 for name in names):
        raise RequestError("a source name is at most 64 characters")
    return tuple(dict.fromkeys(name for name in names if name))


def day(value: str | None, name: str) -> date | None:
    """A day picked in the form (YYYY-MM-DD); empty means no bound."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise RequestError(f"'{name}' must be a day as YYYY-MM-DD, got {value!r}") from exc
    if not date.min < day < date.max:  # the range's ends are a day either side
        raise RequestError(f"'{name}' is out of range: {value!r}")
    return day
