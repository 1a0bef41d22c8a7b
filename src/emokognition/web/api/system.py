"""/health and /metrics."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from emokognition import __version__
from emokognition.errors import EmokognitionError
from emokognition.web.deps import ServiceDep
from emokognition.web.schemas import Health, error_responses
from emokognition.web.security import ReadAccess

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    summary="Liveness and readiness (database, queue)",
    responses={503: {"model": Health, "description": "The database or the queue is down."}},
)
async def health(service: ServiceDep) -> JSONResponse:
    database = await run_in_threadpool(_probe, service.ping_database)
    queue = await run_in_threadpool(_probe, service.check_queue)
    ok = database == "ok" and queue == "ok"
    body = Health(
        status="ok" if ok else "unavailable",
        version=__version__,
        database=database,
        queue=queue,
        jobs=service.settings.jobs,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    dependencies=[ReadAccess],
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}},
        **error_responses(401),
    },
)
async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _probe(check: Callable[[], None]) -> str:
    try:
        check()
    except EmokognitionError as exc:
        return exc.message
    return "ok"
