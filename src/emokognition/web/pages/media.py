"""The stored media of an analysis, for the pages: the file (with Range, so a player can seek)
and a small preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from emokognition.web.deps import ServiceDep
from emokognition.web.pages.access import PageRead
from emokognition.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute, dependencies=[PageRead])

AnalysisId = Annotated[str, PathParam(max_length=64)]

MEDIA_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "avi": "video/x-msvideo",
}
# Stored media is only ever shown, never run: no sniffing, no scripts even if opened directly.
_MEDIA_HEADERS = {
    "Cache-Control": "private, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@router.get("/analyses/{analysis_id}/media")
async def media(analysis_id: AnalysisId, service: ServiceDep) -> FileResponse:
    """The stored file as uploaded or downloaded; Range requests answer 206."""
    analysis = await run_in_threadpool(service.get, analysis_id)
    path = service.media_file(analysis)
    media_type = MEDIA_TYPES.get(analysis.media_format or "", "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=_MEDIA_HEADERS)


@router.get("/analyses/{analysis_id}/thumbnail")
async def preview(analysis_id: AnalysisId, service: ServiceDep) -> FileResponse:
    """A JPEG at most 320 pixels wide or high: the image, or the video's first frame."""
    analysis = await run_in_threadpool(service.get, analysis_id)
    small = await run_in_threadpool(service.preview, analysis)
    return FileResponse(small, media_type="image/jpeg", headers=_MEDIA_HEADERS)
