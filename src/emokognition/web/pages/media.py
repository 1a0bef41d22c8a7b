"""The stored media of an analysis, for the pages: the file (with Range, so a player can seek)
and a small preview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from emokognition.errors import NotFound
from emokognition.jobs import AnalysisService
from emokognition.store import Analysis
from emokognition.web.deps import ServiceDep
from emokognition.web.pages.access import PageRead
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.thumbnails import THUMBNAIL_SIZE, thumbnail

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
    path = _stored(service, analysis)
    media_type = MEDIA_TYPES.get(analysis.media_format or "", "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=_MEDIA_HEADERS)


@router.get("/analyses/{analysis_id}/thumbnail")
async def preview(analysis_id: AnalysisId, service: ServiceDep) -> FileResponse:
    """A JPEG at most 320 pixels wide or high: the image, or the video's first frame."""
    analysis = await run_in_threadpool(service.get, analysis_id)
    path = _stored(service, analysis)
    small = await run_in_threadpool(
        thumbnail,
        path,
        target=service.context.media.derived(path.name, f"{THUMBNAIL_SIZE}.jpg"),
        kind=analysis.kind or "image",
        max_pixels=service.settings.max_pixels,
    )
    return FileResponse(small, media_type="image/jpeg", headers=_MEDIA_HEADERS)


def _stored(service: AnalysisService, analysis: Analysis) -> Path:
    if analysis.media_sha256 is None or analysis.media_sha256 not in service.context.media:
        raise NotFound(f"analysis {analysis.id} has no stored media (yet)")
    return service.context.media.path(analysis.media_sha256)
