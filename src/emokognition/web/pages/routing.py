"""Pages answer errors as pages: `PageRoute` renders what the JSON API would send as JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from emokognition.errors import EmokognitionError, Unauthorized
from emokognition.web.pages.templating import render

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A route whose errors are an HTML page with the status of the error.

    A reader without a valid token (reads not public) is sent to the login page instead.
    """

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized:
                target = quote(request.url.path + _query(request), safe="/")
                return RedirectResponse(f"/login?next={target}", status_code=303)
            except EmokognitionError as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                    for e in exc.errors()[:5]
                )
                return error_page(request, 422, problems or "invalid request")
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))

        return page_handler


def error_page(request: Request, status: int, message: str) -> Response:
    if status >= 500:
        logger.warning("%s %s: %s", request.method, request.url.path, message)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""
