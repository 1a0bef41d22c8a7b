"""/api/v1/streams: start a live stream analysis, list, read with its windows, stop, and
follow it as Server-Sent Events (read from the database: any server process serves them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from emokognition.app import Stream, StreamService, StreamSubmission, StreamWindow
from emokognition.web.deps import ServiceDep
from emokognition.web.schemas import error_responses
from emokognition.web.security import ReadAccess, WriteAccess
from emokognition.web.stream_schemas import (
    StreamCreate,
    StreamDetail,
    StreamList,
    StreamOut,
    WindowOut,
)

router = APIRouter(prefix="/streams", tags=["streams"])

StreamId = Annotated[str, Path(description="32 hex characters.", max_length=64)]

# How often an event stream looks at its stream's revision (one indexed row).
POLL_SECONDS = 0.25
# Windows sent per look at most; more follow at the next look, without waiting.
_BATCH = 100


def _json_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses documented as JSON on a route whose answers are an event stream
    (FastAPI would document them under the route's media type)."""
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    return {
        status: {
            "description": described["description"],
            "content": {"application/json": {"schema": schema}},
        }
        for status, described in error_responses(*statuses).items()
    }


def get_streams(service: ServiceDep) -> StreamService:
    return service.streams


StreamsDep = Annotated[StreamService, Depends(get_streams)]


async def existing_stream(stream_id: StreamId, streams: StreamsDep) -> Stream:
    """The stream, or 404 before any event is sent."""
    return await run_in_threadpool(streams.get, stream_id)


@router.post(
    "",
    summary="Start analysing a live stream",
    status_code=202,
    dependencies=[WriteAccess],
    responses={202: {"model": StreamOut}, **error_responses(400, 422, 503)},
)
async def create_stream(request: Request, body: StreamCreate, streams: StreamsDep) -> JSONResponse:
    """The URL is checked as every URL is (public addresses only, unless
    EMOKOGNITION_ALLOW_PRIVATE_URLS; the stream protocols only), then the stream runs as a
    job until it ends, its duration is reached or it is stopped. 503 with Retry-After when
    EMOKOGNITION_MAX_STREAMS streams run already."""
    submission = StreamSubmission(
        url=body.url,
        source=body.source,
        fps=body.fps,
        window=body.window,
        duration=body.duration,
        detector=body.detector,
        classifier=body.classifier,
    )
    stream = await run_in_threadpool(streams.submit, submission)
    location = str(request.url_for("get_stream", stream_id=stream.id).path)
    body_out = StreamOut.of(stream).model_dump(mode="json")
    return JSONResponse(body_out, status_code=202, headers={"Location": location})


@router.get("", summary="List live stream analyses, newest first", dependencies=[ReadAccess])
def list_streams(
    streams: StreamsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    source: Annotated[str | None, Query(max_length=64)] = None,
    active: Annotated[bool | None, Query(description="Only running (or only over).")] = None,
) -> StreamList:
    return StreamList.of(streams.list(limit=limit, offset=offset, source=source, active=active))


@router.get(
    "/{stream_id}",
    summary="One stream with its latest windows",
    dependencies=[ReadAccess],
    responses=error_responses(404),
)
def get_stream(
    stream_id: StreamId,
    streams: StreamsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Windows, the newest.")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Newest ones skipped.")] = 0,
) -> StreamDetail:
    stream, page = streams.get_with_windows(stream_id, limit=limit, offset=offset)
    return StreamDetail.with_windows(stream, page)


@router.post(
    "/{stream_id}/stop",
    summary="Stop a stream (from any process)",
    dependencies=[WriteAccess],
    responses=error_responses(404),
)
def stop_stream(stream_id: StreamId, streams: StreamsDep) -> StreamOut:
    """Its worker stops within about a second and records the window it had begun; a stream
    nobody runs is stopped at once. Stopping a stream that is over changes nothing."""
    return StreamOut.of(streams.stop(stream_id))


@router.get(
    "/{stream_id}/events",
    summary="Follow a stream: an event per window as it is analysed",
    response_class=EventSourceResponse,
    dependencies=[ReadAccess],
    responses=_json_errors(401, 404, 422, 503),
)
async def stream_events(
    stream: Annotated[Stream, Depends(existing_stream)],
    streams: StreamsDep,
    after: Annotated[
        int | None, Query(ge=-1, le=10_000_000, description="Send windows after this index.")
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=16)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Events: `status` (the stream as `GET /streams/{id}` has it, without windows) first
    and at every change; `window` (id: its index) for each window, as soon as it is
    recorded; `end` once the stream is over, then the connection closes. Windows from
    `after` + 1 on (or after `Last-Event-ID` when the browser reconnects); by default only
    those to come."""
    last = _start(stream, after, last_event_id)
    yield ServerSentEvent(retry=2000, comment="following")
    seen: int | None = None
    while True:
        revision = await run_in_threadpool(streams.revision, stream.id)
        if revision is None:  # deleted meanwhile
            yield ServerSentEvent(event="end", data={"id": stream.id, "status": "deleted"})
            return
        if revision == seen:
            await anyio.sleep(POLL_SECONDS)
            continue
        current, windows = await run_in_threadpool(_news, streams, stream.id, last)
        for window in windows:
            yield ServerSentEvent(
                event="window",
                id=str(window.index),
                data=WindowOut.of(window).model_dump(mode="json"),
            )
            last = window.index
        if len(windows) == _BATCH:
            continue  # more are recorded: send them before anything else
        seen = revision
        yield ServerSentEvent(event="status", data=StreamOut.of(current).model_dump(mode="json"))
        if not current.active:
            yield ServerSentEvent(event="end", data=StreamOut.of(current).model_dump(mode="json"))
            return


def _news(
    streams: StreamService, stream_id: str, last: int
) -> tuple[Stream, tuple[StreamWindow, ...]]:
    return streams.news(stream_id, after=last, limit=_BATCH)


def _start(stream: Stream, after: int | None, last_event_id: str | None) -> int:
    """The index after which windows are sent."""
    if after is not None:
        return after
    if last_event_id is not None and last_event_id.strip().lstrip("-").isdigit():
        return int(last_event_id)
    return stream.windows - 1


__all__ = ["POLL_SECONDS", "router"]
