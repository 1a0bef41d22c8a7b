"""Row factories: analyses with results in the result contract, without running models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Analysis,
    Database,
    claim_analysis,
    create_analysis,
    finish_analysis,
)


def face(main: str, alternative: str, *, track: int | None = None) -> dict[str, Any]:
    """A face of the result contract whose top two emotions are `main` and `alternative`."""
    emotions = dict.fromkeys(EMOTIONS, 0.02)
    emotions[main] = 0.7
    emotions[alternative] = 0.2
    out: dict[str, Any] = {
        "box": [10, 20, 30, 40],
        "score": 0.9,
        "emotions": emotions,
        "main": main,
        "alternative": alternative,
    }
    if track is not None:
        out["track"] = track
    return out


def image_result(
    faces: list[dict[str, Any]], *, classifier: str = "mini-xception-fer2013"
) -> dict[str, Any]:
    return {
        "media": {"kind": "image", "width": 64, "height": 48, "format": "jpeg"},
        "model": {"detector": "blazeface", "classifier": classifier},
        "faces": faces,
        "summary": {"faces": len(faces)},
    }


def track(track_id: int, main: str, alternative: str, *, frames: int = 1) -> dict[str, Any]:
    """A track of the video result contract whose mean emotions rank `main`, `alternative`."""
    emotions = face(main, alternative)["emotions"]
    return {
        "id": track_id,
        "start": 0.0,
        "end": 1.0,
        "frames": frames,
        "emotions": emotions,
        "main": main,
        "alternative": alternative,
    }


def video_result(
    frames: list[list[dict[str, Any]]],
    *,
    every: int = 6,
    tracks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "media": {"kind": "video", "width": 64, "height": 48, "fps": 30.0, "frames": 60},
        "model": {"detector": "blazeface", "classifier": "mini-xception-fer2013"},
        "sampling": {"every": every},
        "frames": [
            {"index": i * every, "t": i * every / 30.0, "faces": faces}
            for i, faces in enumerate(frames)
        ],
        "tracks": tracks or [],
        "summary": {"faces": sum(len(f) for f in frames)},
    }


def recorded(
    database: Database,
    result: dict[str, Any],
    *,
    source: str = "upload",
    now: datetime | None = None,
) -> Analysis:
    """An analysis recorded as done with `result`."""
    with database.session() as session:
        analysis = create_analysis(
            session=session, source=source, kind=result["media"]["kind"], now=now
        )
        claimed = claim_analysis(session=session, analysis_id=analysis.id, lease=60, max_attempts=3)
        assert claimed is not None
        assert finish_analysis(
            session=session, analysis_id=analysis.id, attempt=claimed.attempts, result=result
        )
    return analysis
