"""A stored video result's audience timeline: as recorded, or rebuilt from its frames for
results recorded before videos carried one."""

from __future__ import annotations

import logging
from typing import Any

from emokognition.video.audience import audience_timeline
from emokognition.video.results import FrameResult
from emokognition.vision.faces import Face

logger = logging.getLogger(__name__)


def audience_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The `audience` entries of a video result of the contract ([] for a photo's result).

    Results without `audience` get it from their frames (time and track of every face), in
    the default 1 s buckets; frames that do not fit the contract give [] (logged).
    """
    if "audience" in result:
        return list(result["audience"])
    if "frames" not in result:
        return []
    try:
        frames = tuple(
            FrameResult(index=int(frame["index"]), t=float(frame["t"]), faces=_faces(frame))
            for frame in result["frames"]
        )
        duration = float(result.get("media", {}).get("duration") or 0.0)
        return [mood.to_dict() for mood in audience_timeline(frames, duration=duration)]
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("no audience for a stored video result: %s", exc)
        return []


def _faces(frame: dict[str, Any]) -> tuple[Face, ...]:
    return tuple(
        Face(
            box=tuple(int(v) for v in face["box"]),  # type: ignore[arg-type]
            score=float(face["score"]),
            emotions=face["emotions"],
            main=face["main"],
            alternative=face["alternative"],
            track=face.get("track"),
        )
        for face in frame.get("faces", [])
    )
