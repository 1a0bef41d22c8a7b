"""API schemas (apart from the tables): what the JSON API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emokognition.app import Analysis, FramePage, Page, Stats

Status = Literal["queued", "running", "done", "failed"]
Detector = Literal["blazeface", "haar", "dlib"]
Classifier = Literal["emonet32-fer2013", "mini-xception-fer2013"]


class ErrorBody(BaseModel):
    code: str = Field(examples=["unsupported_format"])
    message: str = Field(examples=["not a supported image (jpeg, png, gif, webp, bmp, tiff)"])


class ErrorResponse(BaseModel):
    """Every error: `{"error": {"code", "message"}}`, never a stack trace."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for errors in the `ErrorResponse` shape."""
    described = {
        400: "Bad request, or a refused URL.",
        401: "A bearer token is needed.",
        404: "No such analysis.",
        413: "The upload is too large.",
        415: "Not a supported image or video.",
        422: "Invalid parameters.",
        503: "The database, the broker or the job pool cannot take it now; see Retry-After.",
    }
    return {
        status: {"model": ErrorResponse, "description": described[status]} for status in statuses
    }


class UrlRequest(BaseModel):
    """Analyse the media at a URL (downloaded by the job)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, examples=["https://example.org/crowd.jpg"])
    detector: Detector | None = None
    classifier: Classifier | None = None
    source: str | None = Field(default=None, min_length=1, max_length=64, examples=["url"])


class Accepted(BaseModel):
    """An analysis was accepted; poll `Location` for its result."""

    id: str
    status: Status


class ProgressOut(BaseModel):
    """A video's frames decoded (`done`) of the frames in it (`total`), as its job last
    reported them (every few seconds while it runs; kept once it is finished)."""

    done: int
    total: int


class AnalysisItem(BaseModel):
    """An analysis without its result (lists); `progress` is null until a video's job reports
    one (photos have none)."""

    id: str
    status: Status
    kind: Literal["image", "video", "stream"] | None
    source: str
    detector: str | None
    classifier: str | None
    url: str | None
    faces: int | None
    created_at: datetime
    finished_at: datetime | None
    error: ErrorBody | None
    progress: ProgressOut | None = None

    @classmethod
    def of(cls, analysis: Analysis) -> AnalysisItem:
        return cls(**_fields(analysis))


class FramePages(BaseModel):
    """A video's frames in pages: `result.frames` holds the first `limit` of `total`; `next`
    reads the following page (`GET /api/v1/analyses/{id}/frames`), null when there is none."""

    total: int
    limit: int
    next: str | None


class AnalysisOut(AnalysisItem):
    """An analysis; `result` follows the result contract once `status` is "done". A video's
    `result.frames` is its first page of frames; `frame_pages` says how to read the rest."""

    result: dict[str, Any] | None
    frame_pages: FramePages | None = None

    @classmethod
    def of(cls, analysis: Analysis, frames: FramePage | None = None) -> AnalysisOut:
        if frames is None or analysis.result is None:
            return cls(**_fields(analysis), result=analysis.result)
        pages = FramePages(
            total=frames.total, limit=frames.limit, next=next_frames(analysis.id, frames)
        )
        return cls(
            **_fields(analysis), result=_with_frames(analysis.result, frames), frame_pages=pages
        )


class FrameList(BaseModel):
    """A page of a video's analysed frames (the result contract's `frames` entries)."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next: str | None

    @classmethod
    def of(cls, analysis_id: str, page: FramePage) -> FrameList:
        return cls(
            items=list(page.items),
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            next=next_frames(analysis_id, page),
        )


def next_frames(analysis_id: str, page: FramePage) -> str | None:
    """The path of the page after `page`, or None when it is the last."""
    following = page.offset + page.limit
    if following >= page.total:
        return None
    return f"/api/v1/analyses/{analysis_id}/frames?offset={following}&limit={page.limit}"


class AnalysisList(BaseModel):
    """A page of analyses, newest first."""

    items: list[AnalysisItem]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page) -> AnalysisList:
        return cls(
            items=[AnalysisItem.of(a) for a in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class StatsOut(BaseModel):
    """People by main and alternative emotion; all seven emotions present.

    `faces` counts each face of a photo and each person (track) of a video once, by the
    track's main and alternative emotion over the video, not every frame it is seen in.
    """

    faces: int
    main: dict[str, int]
    alternative: dict[str, int]

    @classmethod
    def of(cls, stats: Stats) -> StatsOut:
        return cls(faces=stats.faces, main=stats.main, alternative=stats.alternative)


class Health(BaseModel):
    """Readiness: "ok" when the database and the job queue answer and workers are alive;
    "degraded" (still HTTP 200: jobs are accepted and wait) when no worker was heard from."""

    status: Literal["ok", "degraded", "unavailable"]
    version: str
    database: str
    queue: str
    jobs: Literal["inline", "celery"]
    workers: int | None = Field(
        default=None,
        description="Workers alive: inline threads, or Celery workers heard from in the last "
        "20 s; null when the database does not answer.",
    )
    oldest_queued_seconds: float | None = Field(
        default=None, description="How long the oldest queued analysis has waited; null: none."
    )


def _with_frames(result: dict[str, Any], page: FramePage) -> dict[str, Any]:
    """The result with its first page of frames where the contract has them (after
    `sampling`), whether it was stored with every frame or without any."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        if key == "frames":
            continue
        out[key] = value
        if key == "sampling":
            out["frames"] = list(page.items)
    out.setdefault("frames", list(page.items))
    return out


def _fields(analysis: Analysis) -> dict[str, Any]:
    error = analysis.error
    progress = analysis.progress
    return {
        "id": analysis.id,
        "status": analysis.status,
        "kind": analysis.kind,
        "source": analysis.source,
        "detector": analysis.detector,
        "classifier": analysis.classifier,
        "url": analysis.url,
        "faces": analysis.faces,
        "created_at": analysis.created_at,
        "finished_at": analysis.finished_at,
        "error": None if error is None else ErrorBody(code=error.code, message=error.message),
        "progress": None if progress is None else ProgressOut(**progress.to_dict()),
    }
