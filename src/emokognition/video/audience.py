"""The mood of everyone on screen over time: per time bucket, the faces and people seen, their
mean probabilities and the share of each main emotion (the `audience` of the video contract)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from emokognition.emotions import EMOTIONS
from emokognition.vision.faces import top_two

if TYPE_CHECKING:  # results.py builds its audience from here
    from emokognition.video.results import FrameResult

DEFAULT_BUCKET = 1.0
"""Seconds of video per audience entry."""


@dataclass(frozen=True, slots=True)
class AudienceMood:
    """The faces of the analysed frames in [start, end), taken together.

    Attributes:
        start: Seconds, inclusive.
        end: Seconds, exclusive.
        frames: Analysed frames in the span.
        faces: Faces counted over those frames (a person in five frames counts five).
        people: Distinct tracks on screen (untracked faces count one each).
        emotions: Mean probability of each of `EMOTIONS` over the faces (sums to 1); None
            without faces.
        shares: Share of the faces whose main emotion is each of `EMOTIONS` (sums to 1);
            None without faces.
        main: The emotion with the highest mean; None without faces.
        alternative: The second highest; None without faces.
    """

    start: float
    end: float
    frames: int
    faces: int
    people: int
    emotions: dict[str, float] | None
    shares: dict[str, float] | None
    main: str | None
    alternative: str | None

    def __post_init__(self) -> None:
        if self.end < self.start or min(self.frames, self.faces, self.people) < 0:
            raise ValueError(
                f"bad audience span {self.start}..{self.end} s: frames {self.frames}, "
                f"faces {self.faces}, people {self.people}"
            )
        if (self.emotions is None) != (self.faces == 0):
            raise ValueError(f"emotions must be given exactly when there are faces ({self.faces})")

    @classmethod
    def of(cls, frames: Sequence[FrameResult], start: float, end: float) -> AudienceMood:
        """The audience of `frames` (all taken to lie in [start, end))."""
        faces = [face for frame in frames for face in frame.faces]
        tracks = {face.track for face in faces if face.track is not None}
        people = len(tracks) + sum(1 for face in faces if face.track is None)
        if not faces:
            return cls(start, end, len(frames), 0, 0, None, None, None, None)
        probabilities = np.array(
            [[face.emotions[name] for name in EMOTIONS] for face in faces], dtype=np.float64
        )
        mean = probabilities.mean(axis=0)
        mean /= mean.sum()
        mains = np.bincount([EMOTIONS.index(face.main) for face in faces], minlength=len(EMOTIONS))
        main, alternative = top_two(mean.astype(np.float32))
        return cls(
            start=start,
            end=end,
            frames=len(frames),
            faces=len(faces),
            people=people,
            emotions={name: float(p) for name, p in zip(EMOTIONS, mean, strict=True)},
            shares={name: int(n) / len(faces) for name, n in zip(EMOTIONS, mains, strict=True)},
            main=main,
            alternative=alternative,
        )

    def to_dict(self) -> dict[str, Any]:
        """One entry of `audience` in the video result contract."""
        return {
            "start": round(self.start, 6),
            "end": round(self.end, 6),
            "frames": self.frames,
            "faces": self.faces,
            "people": self.people,
            "emotions": _rounded(self.emotions),
            "shares": _rounded(self.shares),
            "main": self.main,
            "alternative": self.alternative,
        }


def audience_timeline(
    frames: Sequence[FrameResult], bucket: float = DEFAULT_BUCKET, *, duration: float = 0.0
) -> tuple[AudienceMood, ...]:
    """One `AudienceMood` per `bucket` seconds, from 0 to the last frame (or `duration`).

    Buckets without an analysed frame are kept (frames 0), so the timeline has no holes.

    Raises:
        ValueError: `bucket` not a positive number.
    """
    timeline = AudienceTimeline(bucket, duration=duration)
    for frame in sorted(frames, key=lambda frame: frame.t):
        timeline.add(frame)
    return timeline.moods()


class AudienceTimeline:
    """The audience timeline built as frames come, in time order, holding only the frames of
    the current bucket: what a long video's job keeps instead of every frame.

    Raises:
        ValueError: `bucket` not a positive number; a frame earlier than the one before.
    """

    def __init__(self, bucket: float = DEFAULT_BUCKET, *, duration: float = 0.0) -> None:
        if not bucket > 0 or not math.isfinite(bucket):
            raise ValueError(f"bucket must be a positive number of seconds, got {bucket}")
        self.bucket = bucket
        self.duration = duration
        self._done: list[AudienceMood] = []  # buckets before the open one
        self._index = 0  # the open bucket
        self._current: list[FrameResult] = []  # its frames
        self._seen = False

    def add(self, frame: FrameResult) -> None:
        index = math.floor(frame.t / self.bucket)
        if index < self._index:
            raise ValueError(f"frames must come in time order: {frame.t} s after bucket {index}")
        if index > self._index:
            self._done.append(self._mood(self._index, self._current))
            self._done.extend(self._mood(i, []) for i in range(self._index + 1, index))
            self._index, self._current = index, []
        self._current.append(frame)
        self._seen = True

    def moods(self) -> tuple[AudienceMood, ...]:
        """The timeline so far, out to `duration`; empty when no frame was added."""
        if not self._seen:
            return ()
        end = max(self._index + 1, math.ceil(self.duration / self.bucket))
        after = (self._mood(i, []) for i in range(self._index + 1, end))
        return (*self._done, self._mood(self._index, self._current), *after)

    def _mood(self, index: int, frames: Sequence[FrameResult]) -> AudienceMood:
        return AudienceMood.of(frames, index * self.bucket, (index + 1) * self.bucket)


def audience_bucket(duration: float | None, *, spans: int = 720) -> float:
    """Whole seconds per audience span so that a video has at most `spans` of them (1 s up
    to 12 minutes; 5 s for an hour): what the service's jobs use, to keep a result small."""
    return float(max(1, math.ceil((duration or 0.0) / spans)))


def _rounded(values: dict[str, float] | None) -> dict[str, float] | None:
    return None if values is None else {name: round(p, 6) for name, p in values.items()}


__all__ = [
    "DEFAULT_BUCKET",
    "AudienceMood",
    "AudienceTimeline",
    "audience_bucket",
    "audience_timeline",
]
