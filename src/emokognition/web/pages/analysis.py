"""`/analyses/{id}`: one analysis: faces boxed on the picture with their seven probabilities,
or a video's player with the audience's mood over time, then each track's; live while queued
or running (its progress, refreshed by the page)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from emokognition.app import Analysis, AnalysisService, PageLabel, audience_of, page_labels
from emokognition.emotions import EMOTIONS
from emokognition.web.deps import ServiceDep
from emokognition.web.pages.access import PageRead
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

router = APIRouter(route_class=PageRoute, dependencies=[PageRead])

# The share strip draws at most this many columns; longer videos merge neighbouring buckets.
STRIP_COLUMNS = 600
# A queued or running page without JavaScript reloads itself this often (seconds).
REFRESH_SECONDS = 3

AnalysisId = Annotated[str, PathParam(max_length=64)]
TIMELINE_POINTS = 2000
"""The most frames drawn in a track's timeline."""


@dataclass(frozen=True, slots=True)
class FaceView:
    """One face of a picture, numbered from 1 in the order of the result."""

    number: int
    box: tuple[int, int, int, int]
    main: str
    alternative: str
    emotions: dict[str, float]


@dataclass(frozen=True, slots=True)
class TrackView:
    """One face followed through a video: when, how long, its mean emotions, its timeline.

    Attributes:
        times: Seconds of the analysed frames it is in.
        series: Per emotion, its probability in each of those frames.
    """

    id: int
    start: float
    end: float
    frames: int
    main: str
    alternative: str
    emotions: dict[str, float]
    times: tuple[float, ...]
    series: dict[str, tuple[float, ...]]

    def chart(self) -> dict[str, Any]:
        series = {emotion: list(values) for emotion, values in self.series.items()}
        return {"id": self.id, "t": list(self.times), "series": series}


@dataclass(frozen=True, slots=True)
class ShareColumn:
    """One column of the share strip: a span of the video and its faces' main emotions,
    as stacked (emotion, top, height) bands in percent of the strip's height."""

    start: float
    end: float
    faces: int
    bands: tuple[tuple[str, float, float], ...]

    def title(self) -> str:
        when = f"{self.start:g} to {self.end:g} s"
        if not self.faces:
            return f"{when}: no face"
        shares = ", ".join(f"{emotion} {height:.0f} %" for emotion, _, height in self.bands)
        return f"{when}: {self.faces} face{'' if self.faces == 1 else 's'}: {shares}"


@dataclass(frozen=True, slots=True)
class AudienceView:
    """Everyone on screen per time bucket (the result's `audience`): mean probabilities for
    the line chart, main-emotion shares for the strip and the table."""

    spans: tuple[dict[str, Any], ...]

    @property
    def bucket(self) -> float:
        first = self.spans[0] if self.spans else {"start": 0.0, "end": 1.0}
        return float(first["end"]) - float(first["start"])

    def chart(self) -> dict[str, Any]:
        """x: each bucket's middle; per emotion its mean probability (null without faces)."""
        return {
            "t": [round((span["start"] + span["end"]) / 2, 6) for span in self.spans],
            "series": {
                emotion: [
                    None if span["emotions"] is None else round(span["emotions"][emotion], 4)
                    for span in self.spans
                ]
                for emotion in EMOTIONS
            },
        }

    def columns(self) -> tuple[ShareColumn, ...]:
        """The strip's columns: buckets merged by whole groups, shares weighted by faces."""
        size = max(1, math.ceil(len(self.spans) / STRIP_COLUMNS))
        return tuple(_column(self.spans[i : i + size]) for i in range(0, len(self.spans), size))


@dataclass(frozen=True, slots=True)
class AnalysisView:
    """What the analysis page shows; `faces` for a picture, `tracks` for a video."""

    analysis: Analysis
    width: int
    height: int
    has_media: bool = True
    faces: tuple[FaceView, ...] = ()
    labels: tuple[PageLabel, ...] = ()
    tracks: tuple[TrackView, ...] = ()
    duration: float | None = None
    audience: AudienceView | None = None

    @property
    def refresh(self) -> int | None:
        """Seconds after which a page without JavaScript reloads: while queued or running."""
        return REFRESH_SECONDS if self.analysis.status in ("queued", "running") else None

    @property
    def label_size(self) -> float:
        """Box label font size in image pixels: readable whatever the image's resolution."""
        return label_size(self.width, self.height)

    @property
    def summary(self) -> list[tuple[str, int, float]]:
        """(main emotion, faces, percent of the faces) for the emotions shown, most first."""
        counts = {e: sum(face.main == e for face in self.faces) for e in EMOTIONS}
        shown = sorted((e for e in EMOTIONS if counts[e]), key=lambda e: -counts[e])
        return [(e, counts[e], 100.0 * counts[e] / len(self.faces)) for e in shown]

    def alt_text(self) -> str:
        if not self.faces:
            return "The analysed picture: no face found."
        found = ", ".join(f"face {f.number} {f.main}" for f in self.faces)
        return f"The analysed picture with {len(self.faces)} faces boxed: {found}."


def analysis_view(
    analysis: Analysis, *, has_media: bool = True, frames: Iterable[dict[str, Any]] | None = None
) -> AnalysisView:
    """The page's view of an analysis; `has_media`: its picture or video is still stored;
    `frames`: a video's frames (read in pages), else those inside its result."""
    result = analysis.result or {}
    media = result.get("media", {})
    width, height = int(media.get("width") or 0), int(media.get("height") or 0)
    if media.get("kind") == "video":
        return AnalysisView(
            analysis=analysis,
            width=width,
            height=height,
            has_media=has_media,
            tracks=_tracks(result, result.get("frames", []) if frames is None else frames),
            duration=media.get("duration"),
            audience=AudienceView(spans=tuple(audience_of(result))),
        )
    faces = tuple(
        FaceView(
            number=number,
            box=(int(x), int(y), int(w), int(h)),
            main=face["main"],
            alternative=face["alternative"],
            emotions={e: float(face["emotions"][e]) for e in EMOTIONS},
        )
        for number, face in enumerate(result.get("faces", []), start=1)
        for x, y, w, h in [face["box"]]
    )
    labels = (
        page_labels(
            [face.box for face in faces],
            [face.main for face in faces],
            max(width, 1),
            max(height, 1),
            label_size(width, height),
        )
        if has_media  # drawn on the picture only
        else []
    )
    return AnalysisView(
        analysis=analysis,
        width=width,
        height=height,
        has_media=has_media,
        faces=faces,
        labels=tuple(labels),
    )


def label_size(width: int, height: int) -> float:
    """The picture's label font size, image pixels: a 32nd of its longer side, 12 at least."""
    return max(12.0, max(width, height) / 32)


@router.get("/analyses/{analysis_id}")
async def analysis_page(request: Request, analysis_id: AnalysisId, service: ServiceDep) -> Response:
    analysis = await run_in_threadpool(service.get, analysis_id)
    if analysis.kind == "stream":  # a live stream's faces hang on an analysis of its id
        return RedirectResponse(f"/streams/{analysis.id}", status_code=303)
    stored = service.has_media(analysis)
    view = await run_in_threadpool(_view, service, analysis, stored)
    return render(request, "analysis.html", {"view": view})


def _view(service: AnalysisService, analysis: Analysis, stored: bool) -> AnalysisView:
    """A done video's frames are read a page at a time, as `/api/v1/analyses/{id}/frames`
    serves them."""
    video = (analysis.result or {}).get("media", {}).get("kind") == "video"
    frames = service.video_frames(analysis) if video and analysis.status == "done" else None
    return analysis_view(analysis, has_media=stored, frames=frames)


def _tracks(result: dict[str, Any], frames: Iterable[dict[str, Any]]) -> tuple[TrackView, ...]:
    """Each track's timeline, at most `TIMELINE_POINTS` frames of it (every n-th of a long
    track), so that the page of an hour-long video stays light."""
    steps = {
        int(track["id"]): max(1, math.ceil(int(track["frames"]) / TIMELINE_POINTS))
        for track in result.get("tracks", [])
    }
    seen: dict[int, int] = {}
    times: dict[int, list[float]] = {}
    series: dict[int, dict[str, list[float]]] = {}
    for frame in frames:
        for face in frame.get("faces", []):
            track = face.get("track")
            if track is None:
                continue
            seen[track] = seen.get(track, -1) + 1
            if seen[track] % steps.get(track, 1):
                continue
            times.setdefault(track, []).append(float(frame["t"]))
            per_emotion = series.setdefault(track, {e: [] for e in EMOTIONS})
            for emotion in EMOTIONS:
                per_emotion[emotion].append(round(float(face["emotions"][emotion]), 4))
    return tuple(
        TrackView(
            id=int(track["id"]),
            start=float(track["start"]),
            end=float(track["end"]),
            frames=int(track["frames"]),
            main=track["main"],
            alternative=track["alternative"],
            emotions={e: float(track["emotions"][e]) for e in EMOTIONS},
            times=tuple(times.get(track["id"], ())),
            series={e: tuple(v) for e, v in series.get(track["id"], {}).items()},
        )
        for track in result.get("tracks", [])
    )


def _column(spans: tuple[dict[str, Any], ...]) -> ShareColumn:
    faces = sum(int(span["faces"]) for span in spans)
    bands: list[tuple[str, float, float]] = []
    top = 0.0
    for emotion in EMOTIONS:
        weighted = sum(
            span["shares"][emotion] * int(span["faces"]) for span in spans if span["shares"]
        )
        height = 100.0 * weighted / faces if faces else 0.0
        if height > 0:
            bands.append((emotion, top, height))
            top += height
    return ShareColumn(
        start=float(spans[0]["start"]), end=float(spans[-1]["end"]), faces=faces, bands=tuple(bands)
    )
