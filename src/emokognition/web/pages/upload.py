"""`/upload`: a form (a file or a URL, source, detector, sync or async) that works without
JavaScript; a submission is answered with a redirect (303) to its analysis page. A URL marked
as a live stream starts a stream analysis instead, and goes to its live page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from emokognition.app import StreamSubmission, Submission
from emokognition.config import DETECTORS, Settings
from emokognition.errors import EmokognitionError, MediaError, RequestError
from emokognition.web.deps import ServiceDep, SettingsDep
from emokognition.web.pages.access import check_same_origin, check_write, may_write
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render
from emokognition.web.security import session_of

router = APIRouter(route_class=PageRoute)

_TEXT_FIELDS = ("url", "source", "detector", "mode", "token", "live")


@dataclass(frozen=True, slots=True)
class UploadForm:
    """What the person typed, shown again (escaped) with the error when a submission fails."""

    url: str = ""
    source: str = ""
    detector: str = ""
    mode: Literal["sync", "async"] = "sync"
    filename: str = ""
    live: bool = False
    errors: tuple[str, ...] = field(default=())


@router.get("/upload")
def upload_form(request: Request, settings: SettingsDep) -> Response:
    return _page(request, settings, UploadForm())


@router.post("/upload")
async def upload(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    check_same_origin(request)  # before reading a body another site may have sent
    async with request.form(max_files=1, max_fields=len(_TEXT_FIELDS) + 1) as form:
        typed = _typed(form)
        token = _text(form, "token")
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    try:
        check_write(request, settings, token)
        if typed.live:
            stream = await run_in_threadpool(service.streams.submit, _live(typed, data))
            return RedirectResponse(f"/streams/{stream.id}", status_code=303)
        submission = _submission(typed, data)
        analysis = await run_in_threadpool(service.submit, submission)
        if typed.mode == "sync":  # awaited, as the API's sync calls: no thread held
            await service.wait(analysis.id, settings.sync_timeout)
    except EmokognitionError as exc:
        named = isinstance(exc, MediaError) and typed.filename and data is not None
        what = f"{typed.filename}: " if named else ""
        failed = UploadForm(
            url=typed.url,
            source=typed.source,
            detector=typed.detector,
            mode=typed.mode,
            filename=typed.filename,
            live=typed.live,
            errors=(what + exc.message,),
        )
        return _page(request, settings, failed, status=exc.status)
    return RedirectResponse(f"/analyses/{analysis.id}", status_code=303)


def _typed(form: FormData) -> UploadForm:
    upload = form.get("file")
    mode = _text(form, "mode")
    return UploadForm(
        url=_text(form, "url")[:2048],
        source=_text(form, "source")[:64],
        detector=_text(form, "detector")[:16],
        mode="async" if mode == "async" else "sync",
        filename=(upload.filename or "")[:256] if isinstance(upload, UploadFile) else "",
        live=bool(_text(form, "live")),
    )


def _submission(typed: UploadForm, data: bytes | None) -> Submission:
    if data is not None and typed.url:
        raise RequestError("choose a file or give a URL, not both")
    if data is None and not typed.url:
        raise RequestError("choose a file or give a URL")
    if data is not None and not data:
        raise RequestError("the chosen file is empty")
    return Submission(
        data=data,
        url=typed.url or None,
        detector=typed.detector or None,
        source=typed.source or None,
    )


def _live(typed: UploadForm, data: bytes | None) -> StreamSubmission:
    if data is not None:
        raise RequestError("a live stream is a link, not a file: remove the file")
    if not typed.url:
        raise RequestError("give the live stream's link")
    return StreamSubmission(
        url=typed.url, source=typed.source or None, detector=typed.detector or None
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page(request: Request, settings: Settings, form: UploadForm, *, status: int = 200) -> Response:
    """The form; it asks for a token when tokens are set and the browser is not signed in."""
    context = {
        "form": form,
        "detectors": DETECTORS,
        "needs_token": not may_write(request, settings, None),
        "signed_in": bool(settings.api_tokens) and session_of(request) is not None,
    }
    return render(request, "upload.html", context, status=status)
