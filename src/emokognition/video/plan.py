"""Split a video into segments that start at keyframes, and its analysed frames into batches.

The plan depends only on the video and the sampling, never on how many workers run it: a
single process and N workers analyse the very same batches, so they find the same faces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emokognition.video.probe import FrameIndex
from emokognition.video.sampling import Sampling

BATCH_FRAMES = 8
"""Analysed frames whose faces are detected and classified in one model run."""

SEGMENT_FRAMES = 16
"""Analysed frames a segment holds at least (keyframe distance permitting)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """Frames [start, stop) of a video; frame `start` is a keyframe, so decoding can begin there.

    Attributes:
        start: Index of its first frame.
        stop: Index one past its last frame.
        samples: How many of its frames are analysed.
    """

    start: int
    stop: int
    samples: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.stop:
            raise ValueError(
                f"segment must satisfy 0 <= start < stop, got {self.start}, {self.stop}"
            )


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """Which frames are analysed, in which batches, in which segments.

    Attributes:
        selected: (N,) bool, True for each analysed frame.
        segments: Consecutive segments covering frames 0..N.
        batch_starts: (B,) int64, ascending: the index of the first frame of each batch.
        batch_sizes: (B,) int64: how many frames each batch holds.
    """

    selected: NDArray[np.bool_]
    segments: tuple[Segment, ...]
    batch_starts: NDArray[np.int64]
    batch_sizes: NDArray[np.int64]

    @classmethod
    def build(
        cls,
        index: FrameIndex,
        sampling: Sampling,
        *,
        batch: int = BATCH_FRAMES,
        segment: int = SEGMENT_FRAMES,
    ) -> Plan:
        """Select frames, then cut segments at keyframes and batches inside segments."""
        selected = sampling.select(index.times())
        segments = _segments(selected, index.keyframes, segment)
        starts: list[int] = []
        sizes: list[int] = []
        for part in segments:
            chosen = np.flatnonzero(selected[part.start : part.stop]) + part.start
            starts += [int(i) for i in chosen[::batch]]
            sizes += [len(chosen[i : i + batch]) for i in range(0, len(chosen), batch)]
        return cls(
            selected=selected,
            segments=segments,
            batch_starts=np.array(starts, dtype=np.int64),
            batch_sizes=np.array(sizes, dtype=np.int64),
        )

    @property
    def samples(self) -> int:
        """How many frames are analysed."""
        return int(self.selected.sum())

    def batch_of(self, position: int) -> int:
        """The batch a selected frame belongs to."""
        return int(np.searchsorted(self.batch_starts, position, side="right")) - 1


def _segments(
    selected: NDArray[np.bool_], keyframes: NDArray[np.bool_], minimum: int
) -> tuple[Segment, ...]:
    """Cut at keyframes once a segment holds `minimum` analysed frames; never empty."""
    total = len(selected)
    if total == 0:
        return ()
    cuts = [int(k) for k in np.flatnonzero(keyframes) if k > 0]
    counts = np.concatenate([[0], np.cumsum(selected, dtype=np.int64)])
    out: list[Segment] = []
    start = 0
    for cut in cuts:
        if counts[cut] - counts[start] >= minimum:
            out.append(Segment(start, cut, int(counts[cut] - counts[start])))
            start = cut
    out.append(Segment(start, total, int(counts[total] - counts[start])))
    return tuple(out)


__all__ = ["BATCH_FRAMES", "SEGMENT_FRAMES", "Plan", "Segment"]
