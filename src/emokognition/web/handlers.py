"""Errors as JSON, or as a page for a browser off the API; status and code from the class."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from emokognition.errors import EmokognitionError, Unauthorized, Unavailable
from emokognition.web.pages.routing import error_page

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "media_too_large",
    415: "unsupported_format",
}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


async def emokognition_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, EmokognitionError):  # registered for this class only
        return await unexpected_error(request, exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status >= 500:
        logger.warning("%s %s: %s (%s)", request.method, request.url.path, exc.message, exc.code)
    return error_response(exc.status, exc.code, exc.message, headers)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        return await unexpected_error(request, exc)
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(problems) or "invalid request")


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return await unexpected_error(request, exc)
    if _wants_page(request):  # a person who followed a bad link gets a page, not JSON
        return error_page(request, exc.status_code, str(exc.detail))
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return error_response(exc.status_code, code, str(exc.detail), headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: Starlette names only the first route's
    (GET for /api/v1/analyses/{id}, whose DELETE is another route)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "%s %s crashed",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(500, "internal_error", "internal error; it has been logged")


def install(app: FastAPI) -> None:
    """Register the handlers: ours, FastAPI's validation, Starlette's HTTP errors, the rest."""
    app.add_exception_handler(EmokognitionError, emokognition_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
