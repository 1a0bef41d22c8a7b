"""`/streams/{id}`: a live stream's audience: its timeline, the current mood and the people on
screen, updated from the stream's events without reloading (refreshed by the browser itself
when JavaScript is off); a stop button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from emokognition.app import Stream, StreamWindow, display_url
from emokognition.emotions import EMOTIONS
from emokognition.web.deps import ServiceDep, SettingsDep
from emokognition.web.pages.access import PageRead, check_same_origin, check_write, may_write
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

router = APIRouter(route_class=PageRoute)

StreamId = Annotated[str, PathParam(max_length=64)]

TIMELINE = 720
"""Windows drawn on the timeline: an hour of 5 s windows; the page's table shows fewer."""
TABLE = 12


@dataclass(frozen=True, slots=True)
class StreamView:
    """What the stream page shows."""

    stream: Stream
    url: str
    windows: tuple[dict[str, Any], ...]

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.windows[-1] if self.windows else None

    @property
    def recent(self) -> tuple[dict[str, Any], ...]:
        """The newest windows first, for the table."""
        return tuple(reversed(self.windows[-TABLE:]))

    def chart(self) -> dict[str, Any]:
        """The audience timeline: window starts (stream seconds), mean probabilities."""
        return {
            "x": [w["start"] for w in self.windows],
            "series": {
                e: [w["emotions"][e] if w["emotions"] else None for w in self.windows]
                for e in EMOTIONS
            },
        }

    def state(self) -> dict[str, Any]:
        """Where the page's script picks up: the events to follow, after which window."""
        last = self.windows[-1]["index"] if self.windows else -1
        return {
            "id": self.stream.id,
            "status": self.stream.status,
            "events": f"/api/v1/streams/{self.stream.id}/events?after={last}",
            "table": TABLE,
            "points": TIMELINE,
        }


def stream_view(stream: Stream, windows: tuple[StreamWindow, ...]) -> StreamView:
    return StreamView(
        stream=stream, url=display_url(stream), windows=tuple(w.to_dict() for w in windows)
    )


@router.get("/streams/{stream_id}", dependencies=[PageRead])
async def stream_page(
    request: Request, stream_id: StreamId, service: ServiceDep, settings: SettingsDep
) -> Response:
    stream, page = await run_in_threadpool(
        lambda: service.streams.get_with_windows(stream_id, limit=TIMELINE)
    )
    context = {
        "view": stream_view(stream, page.items),
        "needs_token": not may_write(request, settings, None),
    }
    return render(request, "stream.html", context)


@router.post("/streams/{stream_id}/stop")
async def stop_stream(
    request: Request, stream_id: StreamId, service: ServiceDep, settings: SettingsDep
) -> Response:
    check_same_origin(request)  # before reading a body another site may have sent
    async with request.form(max_files=0, max_fields=1) as form:
        token = form.get("token")
    check_write(request, settings, token if isinstance(token, str) else None)
    await run_in_threadpool(service.streams.stop, stream_id)
    return RedirectResponse(f"/streams/{stream_id}", status_code=303)
