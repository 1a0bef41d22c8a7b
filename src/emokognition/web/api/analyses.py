"""/api/v1/analyses: submit (sync or async), read, list, delete; a video's frames in pages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from emokognition.app import (
    FIRST_FRAMES,
    MAX_FRAMES,
    Analysis,
    AnalysisService,
    PostKey,
    Submission,
)
from emokognition.config import CLASSIFIERS, DETECTORS
from emokognition.errors import RequestError, UnsupportedFormat
from emokognition.media.sniff import identify
from emokognition.web.deps import ServiceDep, SettingsDep
from emokognition.web.schemas import (
    Accepted,
    AnalysisList,
    AnalysisOut,
    FrameList,
    Status,
    UrlRequest,
    error_responses,
)
from emokognition.web.security import ReadAccess, WriteAccess

router = APIRouter(prefix="/analyses", tags=["analyses"])

AnalysisId = Annotated[str, Path(description="32 hex characters.", max_length=64)]

_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "detector": {"type": "string", "enum": list(DETECTORS)},
                        "classifier": {"type": "string", "enum": list(CLASSIFIERS)},
                        "source": {"type": "string", "minLength": 1, "maxLength": 64},
                        "post_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "description": "With media_key and source: the post the picture "
                            "comes from, recorded with its analysis once. Sent again, the "
                            "first analysis is answered and nothing is counted twice.",
                        },
                        "media_key": {"type": "string", "minLength": 1, "maxLength": 256},
                        "account": {"type": "string", "minLength": 1, "maxLength": 256},
                    },
                }
            },
            "application/json": {"schema": UrlRequest.model_json_schema()},
        },
    }
}


@router.post(
    "",
    summary="Analyse an uploaded file or a URL",
    status_code=202,
    dependencies=[WriteAccess],
    openapi_extra=_POST_BODY,
    responses={
        200: {"model": AnalysisOut, "description": "sync: the finished analysis."},
        202: {"model": Accepted, "description": "async, or sync past its timeout."},
        **error_responses(400, 413, 415, 422),
    },
)
async def create_analysis(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    mode: Annotated[Literal["sync", "async"], Query()] = "async",
) -> Response:
    """Multipart field `file`, or JSON `{"url": ...}`; optional `detector`, `classifier` and
    `source`.

    `mode=sync` waits up to the configured timeout for the result (200), then answers 202
    like `mode=async` does: `{"id", "status"}` with a `Location` to poll.
    """
    submission = await _submission(request)
    analysis = await run_in_threadpool(service.submit, submission)
    if mode == "sync":  # awaited: a slow sync call holds no server thread
        analysis = await service.wait(analysis.id, settings.sync_timeout)
    location = str(request.url_for("get_analysis", analysis_id=analysis.id).path)
    if analysis.finished and mode == "sync":
        out = await run_in_threadpool(_analysis_out, service, analysis)
        body = out.model_dump(mode="json")
        return JSONResponse(body, status_code=200, headers={"Location": location})
    accepted = Accepted(id=analysis.id, status=analysis.status)  # type: ignore[arg-type]
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": location})


@router.get("", summary="List analyses, newest first", dependencies=[ReadAccess])
def list_analyses(
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    source: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
) -> AnalysisList:
    page = service.list(limit=limit, offset=offset, source=source, status=status)
    return AnalysisList.of(page)


@router.get(
    "/{analysis_id}",
    summary="One analysis with its result",
    dependencies=[ReadAccess],
    responses=error_responses(404),
)
def get_analysis(analysis_id: AnalysisId, service: ServiceDep) -> AnalysisOut:
    """A video's result carries its first `FIRST_FRAMES` frames; `frame_pages.next` (and
    `/frames`) reads the rest."""
    return _analysis_out(service, service.get(analysis_id))


@router.get(
    "/{analysis_id}/frames",
    summary="A page of a video analysis's frames",
    dependencies=[ReadAccess],
    responses=error_responses(400, 404, 422),
)
def get_frames(
    analysis_id: AnalysisId,
    service: ServiceDep,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_FRAMES)] = FIRST_FRAMES,
) -> FrameList:
    """Frames `offset` to `offset + limit` (at most 1000) of a done video analysis, in the
    result contract; 404 for an image or an analysis not done."""
    analysis = service.get(analysis_id)
    return FrameList.of(analysis.id, service.frames(analysis, offset=offset, limit=limit))


@router.delete(
    "/{analysis_id}",
    summary="Delete an analysis, its faces and its media",
    status_code=204,
    dependencies=[WriteAccess],
    responses=error_responses(404),
)
def delete_analysis(analysis_id: AnalysisId, service: ServiceDep) -> Response:
    service.delete(analysis_id)
    return Response(status_code=204)


def _analysis_out(service: AnalysisService, analysis: Analysis) -> AnalysisOut:
    """The analysis as answered: a done video with its first page of frames."""
    result = analysis.result or {}
    if analysis.status != "done" or result.get("media", {}).get("kind") != "video":
        return AnalysisOut.of(analysis)
    return AnalysisOut.of(analysis, service.frames(analysis, limit=FIRST_FRAMES))


async def _submission(request: Request) -> Submission:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RequestError("multipart field 'file' is missing or not a file")
            data = await upload.read()
            submission = Submission(
                data=data,
                detector=_text(form.get("detector")),
                classifier=_text(form.get("classifier")),
                source=_text(form.get("source")),
                post=_post(form.get("post_id"), form.get("media_key"), form.get("account")),
            )
            identify(data[:64])  # the one media rule: "empty file", not an image or video
            return submission
    if content_type == "application/json":
        try:
            body = UrlRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestError(_first_problem(exc)) from exc
        return Submission(
            url=body.url, detector=body.detector, classifier=body.classifier, source=body.source
        )
    raise UnsupportedFormat(
        "send multipart/form-data with a 'file' field, or application/json with a 'url'"
    )


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(
            "form fields 'detector', 'classifier', 'source', 'post_id', 'media_key' and "
            "'account' must be text"
        )
    return value


def _post(post_id: object, media_key: object, account: object) -> PostKey | None:
    """The picture's post (the idempotency key with the source): both fields or neither."""
    post, key = _text(post_id), _text(media_key)
    if post is None and key is None:
        if _text(account) is not None:
            raise RequestError("'account' goes with 'post_id' and 'media_key'")
        return None
    if post is None or key is None:
        raise RequestError("give 'post_id' and 'media_key' together")
    return PostKey(post_id=post, media_key=key, account=_text(account))


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ())) or "body"
    return f"{where}: {error.get('msg', 'invalid')}"
