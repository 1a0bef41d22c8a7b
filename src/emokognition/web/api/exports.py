"""CSV downloads: /api/v1/stats.csv (the statistics' filters) and one analysis's faces."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse

from emokognition.app import StatsQuery
from emokognition.errors import RequestError
from emokognition.web.api.stats import Moment, utc
from emokognition.web.deps import ServiceDep
from emokognition.web.schemas import error_responses
from emokognition.web.security import ReadAccess

router = APIRouter(tags=["exports"])

CSV = "text/csv; charset=utf-8"
_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV with a header row."}
}


@router.get(
    "/stats.csv",
    summary="The statistics and the mood over time as CSV",
    dependencies=[ReadAccess],
    response_class=Response,
    responses={**_CSV_RESPONSE, **error_responses(400, 422)},
)
async def stats_csv(
    service: ServiceDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[Moment | None, Query(description="ISO 8601; UTC when naive.")] = None,
    until: Annotated[Moment | None, Query(description="ISO 8601, exclusive.")] = None,
    classifier: Annotated[str | None, Query(max_length=64)] = None,
    bucket: Annotated[
        Literal["hour", "day"] | None,
        Query(description="Mood over time per hour or day; by hour up to two days if absent."),
    ] = None,
) -> Response:
    """The filters of `/api/v1/stats`. Columns `period, start, end, people`, then the people
    by main emotion (`main_angry`...) and by alternative (`alternative_angry`...): a first
    row `all` for the whole range, then one per hour or day with people (UTC, ISO 8601)."""
    query = StatsQuery(
        source=source,
        since=utc(since, "since"),
        until=utc(until, "until"),
        classifier=classifier,
        bucket=bucket,
    )
    if query.since is not None and query.until is not None and query.since > query.until:
        raise RequestError("'since' is after 'until'")
    table = await run_in_threadpool(service.stats_table, query)
    return Response(table.csv(), media_type=CSV, headers=_attachment("emokognition-stats.csv"))


@router.get(
    "/analyses/{analysis_id}/faces.csv",
    summary="The faces of one analysis as CSV",
    dependencies=[ReadAccess],
    response_class=StreamingResponse,
    responses={**_CSV_RESPONSE, **error_responses(404)},
)
async def faces_csv(
    analysis_id: Annotated[str, Path(max_length=64)], service: ServiceDep
) -> StreamingResponse:
    """The columns of `emokognition analyze --format csv`, with the analysis id as `input`:
    a video's row per face per analysed frame (`frame, t, track`), a photo's per face."""
    pieces = await run_in_threadpool(service.faces_csv, analysis_id)
    return StreamingResponse(
        iterate_in_threadpool(pieces),
        media_type=CSV,
        headers=_attachment(f"emokognition-{analysis_id}.csv"),
    )


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
