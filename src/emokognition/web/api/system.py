"""/health and /metrics."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from emokognition import __version__
from emokognition.app import WORKER_SEEN_WITHIN, AnalysisService
from emokognition.errors import EmokognitionError
from emokognition.web.deps import ServiceDep
from emokognition.web.schemas import Health, error_responses
from emokognition.web.security import ReadAccess

logger = logging.getLogger(__name__)

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    summary="Liveness and readiness (database, queue)",
    responses={503: {"model": Health, "description": "The database or the queue is down."}},
)
async def health(service: ServiceDep) -> JSONResponse:
    database = await run_in_threadpool(_probe, service.ping_database, "database unavailable")
    queue = await run_in_threadpool(_probe, service.check_queue, "job queue unavailable")
    workers, oldest = None, None
    if database == "ok":
        workers, oldest = await run_in_threadpool(_workers, service)
    ok = database == "ok" and queue == "ok"
    status = "ok" if ok else "unavailable"
    if ok and workers == 0:  # accepted jobs wait: readable, but nothing runs them
        status, queue = "degraded", f"no worker seen in the last {WORKER_SEEN_WITHIN:g} s"
    body = Health(
        status=status,  # type: ignore[arg-type]
        version=__version__,
        database=database,
        queue=queue,
        jobs=service.settings.jobs,
        workers=workers,
        oldest_queued_seconds=oldest,
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


def _probe(check: Callable[[], None], failure: str) -> str:
    """Return "ok" or `failure`: anyone may read /health, so the details of what failed (a
    driver's message names hosts, ports, databases) go to the log only."""
    try:
        check()
    except EmokognitionError as exc:
        logger.warning("health: %s (%s)", exc.message, exc.code)
        return failure
    return "ok"


def _workers(service: AnalysisService) -> tuple[int | None, float | None]:
    try:
        return service.workers(), service.oldest_queued_age()
    except EmokognitionError as exc:
        logger.warning("health: %s (%s)", exc.message, exc.code)
        return None, None
