"""The values that cross the vision stage: detections and classified faces."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS

Box = tuple[float, float, float, float]
"""(x, y, w, h) in pixels, (x, y) the top-left corner."""


@dataclass(frozen=True, slots=True)
class Detection:
    """A face found by a detector.

    Attributes:
        box: (x, y, w, h) in pixels of the analysed image, floats, w and h > 0.
        score: Detector confidence in [0, 1].
        keypoints: (x, y) landmarks in the same pixels, () when the detector gives none.
            BlazeFace's six, in MediaPipe's order: the person's right eye, left eye, nose
            tip, mouth centre, right ear tragion, left ear tragion.
    """

    box: Box
    score: float
    keypoints: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if any(len(point) != 2 for point in self.keypoints):
            raise ValueError(f"keypoints must be (x, y) pairs, got {self.keypoints}")
        if len(self.box) != 4:
            raise ValueError(f"box must have 4 values (x, y, w, h), got {len(self.box)}")
        if self.box[2] <= 0 or self.box[3] <= 0:
            raise ValueError(f"box width and height must be positive, got {self.box}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")


def top_two(probabilities: NDArray[np.float32]) -> tuple[str, str]:
    """Main (top-1) and alternative (top-2) emotion of a (7,) probability vector."""
    order = np.argsort(-probabilities, kind="stable")
    return EMOTIONS[int(order[0])], EMOTIONS[int(order[1])]


class Emotions(Mapping[str, float]):
    """The seven probabilities of a face, read-only: a `Face` is a value, like its box."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, float]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Emotions({self._values!r})"

    def __reduce__(self) -> tuple[type[Emotions], tuple[dict[str, float]]]:
        return (Emotions, (self._values,))


@dataclass(frozen=True, slots=True)
class Face:
    """A detected face with its emotions.

    Attributes:
        box: (x, y, w, h) integer pixels of the original upright image.
        score: Detector confidence in [0, 1].
        emotions: Probability of each of `EMOTIONS`, in that order; they sum to 1.
        main: The most likely emotion.
        alternative: The second most likely emotion.
        track: Identity across video frames, or None for a still image.
    """

    box: tuple[int, int, int, int]
    score: float
    emotions: Mapping[str, float]
    main: str
    alternative: str
    track: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.emotions, Emotions):
            object.__setattr__(self, "emotions", Emotions(self.emotions))
        if tuple(self.emotions) != EMOTIONS:
            raise ValueError(f"emotions must be keyed {EMOTIONS}, got {tuple(self.emotions)}")
        total = sum(self.emotions.values())
        if abs(total - 1.0) > 1e-4:
            raise ValueError(f"emotion probabilities must sum to 1, got {total:.6f}")
        if self.main == self.alternative or {self.main, self.alternative} - set(EMOTIONS):
            raise ValueError(f"bad main/alternative: {self.main!r}, {self.alternative!r}")

    @classmethod
    def from_probabilities(
        cls,
        detection: Detection,
        probabilities: NDArray[np.float32],
        track: int | None = None,
    ) -> Face:
        """Build a face from a detection and a (7,) probability vector."""
        if probabilities.shape != (len(EMOTIONS),):
            raise ValueError(
                f"expected ({len(EMOTIONS)},) probabilities, got {probabilities.shape}"
            )
        probs = probabilities.astype(np.float64)
        probs /= probs.sum()
        main, alternative = top_two(probabilities)
        x, y, w, h = detection.box
        return cls(
            box=(round(x), round(y), max(1, round(w)), max(1, round(h))),
            score=round(float(detection.score), 4),
            emotions={name: float(p) for name, p in zip(EMOTIONS, probs, strict=True)},
            main=main,
            alternative=alternative,
            track=track,
        )

    @property
    def probabilities(self) -> NDArray[np.float32]:
        """(7,) float32 probabilities in `EMOTIONS` order."""
        return np.array([self.emotions[name] for name in EMOTIONS], dtype=np.float32)

    def to_dict(self) -> dict[str, Any]:
        """One entry of `faces` in the result contract."""
        out: dict[str, Any] = {
            "box": list(self.box),
            "score": self.score,
            "emotions": {name: round(p, 6) for name, p in self.emotions.items()},
            "main": self.main,
            "alternative": self.alternative,
        }
        if self.track is not None:
            out["track"] = self.track
        return out


def summarize(faces: list[Face] | tuple[Face, ...]) -> dict[str, Any]:
    """The `summary` of the result contract: face count, counts by main and alternative."""
    main: dict[str, int] = {}
    alternative: dict[str, int] = {}
    for face in faces:
        main[face.main] = main.get(face.main, 0) + 1
        alternative[face.alternative] = alternative.get(face.alternative, 0) + 1
    order = {name: i for i, name in enumerate(EMOTIONS)}
    return {
        "faces": len(faces),
        "main": dict(sorted(main.items(), key=lambda kv: order[kv[0]])),
        "alternative": dict(sorted(alternative.items(), key=lambda kv: order[kv[0]])),
    }
