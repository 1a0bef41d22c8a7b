"""Per-track emotion timelines: ids from the tracker, optional smoothing, means per track."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.video.results import FrameResult, Track
from emokognition.video.tracker import Tracker
from emokognition.vision.faces import Face, top_two

DEFAULT_SMOOTHING = 0.7
"""The smoothing of `VideoOptions`: measured by `python -m benchmarks.smoothing`."""

CUT_DISTANCE = 0.3
"""Histogram distance between two analysed frames above which a new shot starts."""


@dataclass(slots=True)
class _Totals:
    start: float
    end: float
    frames: int = 0
    sums: NDArray[np.float64] = field(default_factory=lambda: np.zeros(len(EMOTIONS)))
    smoothed: NDArray[np.float64] | None = None


class Timelines:
    """Turns untracked frame results, in order, into tracked ones and per-track summaries.

    A scene cut (the frame's histogram far from the previous one's) ends every track, so that
    a new person where the last one stood gets a new id.

    Args:
        tracker: Assigns the track ids; a default `Tracker` when omitted.
        smoothing: Weight in [0, 1) of a track's past in its emotions at each frame
            (exponential moving average); 0 keeps every frame's own probabilities.
    """

    def __init__(self, tracker: Tracker | None = None, *, smoothing: float = 0.0) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.tracker = tracker or Tracker()
        self.smoothing = smoothing
        self._totals: dict[int, _Totals] = {}
        self._histogram: tuple[float, ...] = ()

    def add(self, frame: FrameResult) -> FrameResult:
        """The frame with track ids (and smoothed emotions); its faces count for their tracks."""
        cut = is_cut(self._histogram, frame.histogram)
        if frame.histogram:
            self._histogram = frame.histogram
        ids = self.tracker.update(frame.t, [_box(face) for face in frame.faces], cut=cut)
        faces = tuple(
            self._record(replace(face, track=track), track, frame.t)
            for face, track in zip(frame.faces, ids, strict=True)
        )
        return replace(frame, faces=faces)

    def tracks(self) -> tuple[Track, ...]:
        """Every track so far, by id: span, frame count, mean emotions, main and alternative."""
        out = []
        for track_id in sorted(self._totals):
            totals = self._totals[track_id]
            mean = totals.sums / max(totals.frames, 1)
            mean /= mean.sum()
            main, alternative = top_two(mean.astype(np.float32))
            out.append(
                Track(
                    id=track_id,
                    start=totals.start,
                    end=totals.end,
                    frames=totals.frames,
                    emotions={name: float(p) for name, p in zip(EMOTIONS, mean, strict=True)},
                    main=main,
                    alternative=alternative,
                )
            )
        return tuple(out)

    def _record(self, face: Face, track: int, t: float) -> Face:
        totals = self._totals.setdefault(track, _Totals(start=t, end=t))
        probabilities = np.array([face.emotions[name] for name in EMOTIONS], dtype=np.float64)
        if self.smoothing > 0:
            if totals.smoothed is not None:
                probabilities = (
                    self.smoothing * totals.smoothed + (1.0 - self.smoothing) * probabilities
                )
            totals.smoothed = probabilities
            face = _with_emotions(face, probabilities)
        totals.end = t
        totals.frames += 1
        totals.sums += probabilities
        return face


def is_cut(before: tuple[float, ...], after: tuple[float, ...]) -> bool:
    """True when two frames' gray-level histograms tell a new shot: their Bhattacharyya
    distance is above `CUT_DISTANCE` (motion and lighting changes within a shot stay below)."""
    if not before or len(before) != len(after):
        return False
    overlap = float(np.sqrt(np.asarray(before) * np.asarray(after)).sum())
    return float(np.sqrt(max(0.0, 1.0 - overlap))) > CUT_DISTANCE


def _box(face: Face) -> tuple[float, float, float, float]:
    x, y, w, h = face.box
    return float(x), float(y), float(w), float(h)


def _with_emotions(face: Face, probabilities: NDArray[np.float64]) -> Face:
    probabilities = probabilities / probabilities.sum()
    main, alternative = top_two(probabilities.astype(np.float32))
    return replace(
        face,
        emotions={name: float(p) for name, p in zip(EMOTIONS, probabilities, strict=True)},
        main=main,
        alternative=alternative,
    )


__all__ = ["CUT_DISTANCE", "DEFAULT_SMOOTHING", "Timelines", "is_cut"]
