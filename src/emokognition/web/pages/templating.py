"""The Jinja2 environment of the pages (templates shipped in the package) and `render`."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from emokognition import __version__
from emokognition.emotions import EMOTIONS

templates = Jinja2Templates(directory=str(files("emokognition.web") / "templates"))

# Everything the pages load comes from this origin: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def percent(part: float, whole: float) -> float:
    """`part` as a percentage of `whole`; 0 when `whole` is 0 (an empty database)."""
    return 100.0 * part / whole if whole else 0.0


def when(moment: datetime | None) -> str:
    """A UTC moment as people read it: "2026-03-14 09:10 UTC"."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


templates.env.globals.update(version=__version__, emotions=EMOTIONS)
templates.env.filters.update(when=when)
templates.env.globals.update(percent=percent)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page from template `name`, with the security headers of every page."""
    response = templates.TemplateResponse(
        request, name, context or {}, status_code=status, headers={**SECURITY_HEADERS}
    )
    response.headers.update(headers or {})
    return response
