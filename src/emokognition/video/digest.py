"""What a video result holds beside its frames, built as the frames come: the summary's
counts and the audience timeline. A long video's job keeps this, not every frame."""

from __future__ import annotations

from collections import Counter
from typing import Any

from emokognition.emotions import EMOTIONS
from emokognition.video.audience import AudienceMood, AudienceTimeline
from emokognition.video.results import FrameResult


class VideoDigest:
    """Face-frames by main and alternative emotion, and the audience per `bucket` seconds.

    Raises:
        ValueError: `bucket` not a positive number; frames out of time order.
    """

    def __init__(self, bucket: float, *, duration: float = 0.0) -> None:
        self._audience = AudienceTimeline(bucket, duration=duration)
        self._main: Counter[str] = Counter()
        self._alternative: Counter[str] = Counter()
        self.frames = 0
        self.faces = 0

    def add(self, frame: FrameResult) -> None:
        self._audience.add(frame)
        self.frames += 1
        self.faces += len(frame.faces)
        self._main.update(face.main for face in frame.faces)
        self._alternative.update(face.alternative for face in frame.faces)

    def audience(self) -> tuple[AudienceMood, ...]:
        return self._audience.moods()

    def summary(self, *, tracks: int) -> dict[str, Any]:
        """The `summary` of the video contract (as `VideoResult.summary` gives it)."""
        return {
            "faces": self.faces,
            "tracks": tracks,
            "main": {e: self._main[e] for e in EMOTIONS if self._main[e]},
            "alternative": {e: self._alternative[e] for e in EMOTIONS if self._alternative[e]},
        }


__all__ = ["VideoDigest"]
