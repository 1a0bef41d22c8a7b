"""/docs: the API documentation (Swagger UI) from the vendored assets, offline as every page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from emokognition.web.pages.templating import render

router = APIRouter()


@router.get("/docs")
def docs(request: Request) -> Response:
    return render(request, "docs.html")
