"""`create_app(settings)`: the FastAPI service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from starlette.concurrency import run_in_threadpool

from emokognition import __version__
from emokognition.app import JobMetrics, create_service
from emokognition.config import Settings, get_settings
from emokognition.web import handlers
from emokognition.web.api import api_router
from emokognition.web.api.system import router as system_router
from emokognition.web.metrics import HttpMetrics, ServiceCollector
from emokognition.web.middleware import AccessLog, BodyLimit
from emokognition.web.pages import pages_router

logger = logging.getLogger(__name__)

# Room for multipart framing and form fields around the largest accepted file.
_BODY_OVERHEAD = 1024 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for these settings (`get_settings()` when omitted).

    Starting it (the ASGI lifespan) migrates the database and starts the job runner, which
    resumes the jobs that a previous process had accepted; stopping it stops the runner.
    """
    settings = settings or get_settings()
    registry = CollectorRegistry()
    service = create_service(settings, metrics=JobMetrics(registry))
    registry.register(ServiceCollector(service))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.migrate)
        service.start()
        logger.info(
            "emokognition %s serving: %s database, %s jobs",
            __version__,
            service.dialect,
            settings.jobs,
        )
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    app = FastAPI(
        title="emokognition",
        version=__version__,
        summary="Faces and their seven emotions in photos and videos; mood statistics.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc load their scripts from a CDN: /docs is a page of ours
        # over the vendored Swagger UI (web/pages/docs.py), and there is no /redoc.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.registry = registry
    handlers.install(app)
    app.include_router(api_router)
    app.include_router(system_router)
    app.include_router(pages_router)
    # The pages' own CSS, JS and vendored chart library: nothing is loaded from elsewhere.
    static = StaticFiles(directory=str(files("emokognition.web") / "static"))
    app.mount("/static", static, name="static")
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + _BODY_OVERHEAD)
    app.add_middleware(AccessLog, metrics=HttpMetrics(registry))
    if not settings.api_tokens:
        app.openapi = partial(_without_auth, app)  # type: ignore[method-assign]
    return app


def _without_auth(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of a service without tokens: no call needs a bearer token, so
    none is declared (clients and fuzzers would send one for nothing)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schema.get("components", {}).pop("securitySchemes", None)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.pop("security", None)
        app.openapi_schema = schema
    return app.openapi_schema
