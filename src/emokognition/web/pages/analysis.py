"""`/analyses/{id}`: one analysis: faces boxed on the picture with their seven probabilities,
or a video's player with each track's emotions over time; live while queued or running."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from emokognition.app import Analysis, PageLabel, page_labels
from emokognition.emotions import EMOTIONS
from emokognition.web.deps import ServiceDep
from emokognition.web.pages.access import PageRead
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

router = APIRouter(route_class=PageRoute, dependencies=[PageRead])

AnalysisId = Annotated[str, PathParam(max_length=64)]


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


def analysis_view(analysis: Analysis, *, has_media: bool = True) -> AnalysisView:
    """The page's view of an analysis; `has_media`: its picture or video is still stored."""
    result = analysis.result or {}
    media = result.get("media", {})
    width, height = int(media.get("width") or 0), int(media.get("height") or 0)
    if media.get("kind") == "video":
        return AnalysisView(
            analysis=analysis,
            width=width,
            height=height,
            has_media=has_media,
            tracks=_tracks(result),
            duration=media.get("duration"),
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
    stored = service.has_media(analysis)
    view = analysis_view(analysis, has_media=stored)
    return render(request, "analysis.html", {"view": view})


def _tracks(result: dict[str, Any]) -> tuple[TrackView, ...]:
    times: dict[int, list[float]] = {}
    series: dict[int, dict[str, list[float]]] = {}
    for frame in result.get("frames", []):
        for face in frame.get("faces", []):
            track = face.get("track")
            if track is None:
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
