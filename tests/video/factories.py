"""Row factories: faces, frames and results made by hand, for tests that need no models."""

from __future__ import annotations

import numpy as np

from emokognition.emotions import EMOTIONS
from emokognition.media.info import MediaInfo
from emokognition.video.results import FrameResult, Track, VideoResult
from emokognition.video.sampling import Sampling
from emokognition.video.timeline import Timelines
from emokognition.vision.faces import Detection, Face
from emokognition.vision.results import ModelInfo


def make_face(
    box: tuple[float, float, float, float] = (10, 10, 50, 50),
    emotion: str = "happy",
    strength: float = 0.7,
    track: int | None = None,
) -> Face:
    """A face whose `emotion` has probability `strength`, the rest shared evenly."""
    probabilities = np.full(len(EMOTIONS), (1 - strength) / (len(EMOTIONS) - 1), np.float32)
    probabilities[EMOTIONS.index(emotion)] = strength
    return Face.from_probabilities(Detection(box=box, score=0.9), probabilities, track=track)


def make_result(frames: list[FrameResult], *, smoothing: float = 0.0) -> VideoResult:
    """A tracked result over these (untracked) frames of a 640x360, 10 fps video."""
    timelines = Timelines(smoothing=smoothing)
    tracked = tuple(timelines.add(frame) for frame in frames)
    last = max((frame.index for frame in frames), default=0)
    return VideoResult(
        media=MediaInfo(
            kind="video",
            width=640,
            height=360,
            format="mp4",
            fps=10.0,
            duration=last / 10 + 0.1,
            frames=last + 1,
        ),
        model=ModelInfo(detector="blazeface", classifier="mini-xception-fer2013"),
        sampling=Sampling(every=2),
        frames=tracked,
        tracks=timelines.tracks(),
    )


def two_people(frames: int = 10) -> list[FrameResult]:
    """A happy face standing still on the left, a sad one walking on the right."""
    return [
        FrameResult(
            index=2 * i,
            t=0.2 * i,
            faces=(
                make_face((20, 40, 80, 80), "happy", 0.8),
                make_face((400 - 10 * i, 60, 70, 70), "sad", 0.6 if i % 2 else 0.5),
            ),
        )
        for i in range(frames)
    ]


__all__ = ["Track", "make_face", "make_result", "two_people"]
