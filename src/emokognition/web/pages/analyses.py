"""`/analyses`: every analysis, a page at a time, filtered by source, kind, status and days;
`/analyses/{id}/delete` asks, then deletes (a form: no JavaScript needed, CSRF-checked, the
write token when tokens are set)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from emokognition.app import KINDS, STATUSES, Analysis, ListFilters
from emokognition.config import Settings
from emokognition.errors import Unauthorized
from emokognition.web.deps import ServiceDep, SettingsDep
from emokognition.web.pages.access import (
    PageRead,
    check_same_origin,
    check_write,
    local_path,
    may_write,
)
from emokognition.web.pages.dashboard import day
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

router = APIRouter(route_class=PageRoute, dependencies=[PageRead])

AnalysisId = Annotated[str, PathParam(max_length=64)]
Text = Annotated[str | None, Query(max_length=64)]
# How a deleted analysis is named back to the person who deleted it: its id's first 8.
_SHORT_ID = re.compile(r"[0-9a-f]{8}")


@router.get("/analyses")
async def analyses_page(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    source: Text = None,
    kind: Text = None,
    status: Text = None,
    since: Text = None,
    until: Text = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    deleted: Text = None,
) -> Response:
    filters = ListFilters(
        source=source or None,
        kind=kind or None,
        status=status or None,
        since=day(since, "since"),
        until=day(until, "until"),
    )
    catalog = await run_in_threadpool(service.catalog, filters, offset=offset)
    context = {
        "catalog": catalog,
        "kinds": KINDS,
        "statuses": STATUSES,
        "deleted": deleted if deleted and _SHORT_ID.fullmatch(deleted) else None,
        "may_delete": may_write(request, settings, None),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "analyses.html", context)


@router.get("/analyses/{analysis_id}/delete")
async def confirm_delete(
    request: Request,
    analysis_id: AnalysisId,
    service: ServiceDep,
    settings: SettingsDep,
    next: Annotated[str, Query(max_length=2048)] = "/analyses",
) -> Response:
    analysis = await run_in_threadpool(service.get, analysis_id)
    return _confirm(request, settings, analysis, next=local_path(next))


@router.post("/analyses/{analysis_id}/delete")
async def delete(
    request: Request,
    analysis_id: AnalysisId,
    service: ServiceDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/analyses",
) -> Response:
    check_same_origin(request)
    analysis = await run_in_threadpool(service.get, analysis_id)
    try:
        check_write(request, settings, token or None)
    except Unauthorized as exc:
        error = exc.message if not token else "That token is not valid."
        return _confirm(request, settings, analysis, next=local_path(next), error=error)
    await run_in_threadpool(service.delete, analysis.id)
    target = local_path(next)
    if target.startswith(f"/analyses/{analysis.id}"):
        target = "/analyses"  # its own page is gone
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}deleted={analysis.id[:8]}", status_code=303)


def _confirm(
    request: Request, settings: Settings, analysis: Analysis, *, next: str, error: str = ""
) -> Response:
    context = {
        "a": analysis,
        "next": next,
        "error": error,
        "needs_token": not may_write(request, settings, None),
    }
    return render(request, "delete.html", context, status=401 if error else 200)
