"""Which frames are analysed, in which batches, and how a parallel run splits them.

Batches are cut over the whole video (every `BATCH_FRAMES` analysed frames), never by the
segments: a single process and N workers analyse the very same batches, so they find the same
faces. A parallel run gets one segment per worker, cut only between batches but anywhere there
(not only at keyframes: a worker decodes from the keyframe before its segment and analyses
from its start), of equal estimated cost, decoding included, so that the workers finish
together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emokognition.video.probe import FrameIndex
from emokognition.video.sampling import Sampling

BATCH_FRAMES = 8
"""Analysed frames whose faces are detected and classified in one model run."""

ANALYSIS_COST = 4.0
"""An analysed frame's cost in decoded frames: converting, detecting and classifying a 1280x720
frame against decoding one (`python -m benchmarks.video`, the segment table)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """Frames [start, stop) of a video, analysed by one worker.

    Attributes:
        start: Index of its first frame.
        stop: Index one past its last frame.
        samples: How many of its frames are analysed.
        decode_from: The keyframe at or before `start` where its decoding begins.
    """

    start: int
    stop: int
    samples: int
    decode_from: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.decode_from <= self.start < self.stop:
            raise ValueError(
                "segment must satisfy 0 <= decode_from <= start < stop, got "
                f"{self.decode_from}, {self.start}, {self.stop}"
            )

    @property
    def cost(self) -> float:
        """Estimated work in decoded frames: everything decoded, plus the analyses."""
        return (self.stop - self.decode_from) + ANALYSIS_COST * self.samples


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
        workers: int = 1,
        batch: int = BATCH_FRAMES,
    ) -> Plan:
        """Select frames, batch them, and cut one segment per worker, of equal cost."""
        selected = sampling.select(index.times())
        chosen = np.flatnonzero(selected)
        starts = chosen[::batch].astype(np.int64)
        sizes = np.array(
            [len(chosen[i : i + batch]) for i in range(0, len(chosen), batch)], dtype=np.int64
        )
        lasts = chosen[np.cumsum(sizes) - 1] if len(sizes) else np.zeros(0, np.int64)
        segments = _segments(selected, index.keyframes, starts, lasts, max(workers, 1))
        return cls(selected=selected, segments=segments, batch_starts=starts, batch_sizes=sizes)

    @property
    def samples(self) -> int:
        """How many frames are analysed."""
        return int(self.selected.sum())

    def batch_of(self, position: int) -> int:
        """The batch a selected frame belongs to."""
        return int(np.searchsorted(self.batch_starts, position, side="right")) - 1


def _segments(
    selected: NDArray[np.bool_],
    keyframes: NDArray[np.bool_],
    batch_starts: NDArray[np.int64],
    batch_lasts: NDArray[np.int64],
    pieces: int,
) -> tuple[Segment, ...]:
    """At most `pieces` segments of about equal cost, cut at the start of a batch or, when
    there is one between it and the batch before, at a keyframe (nothing decoded twice)."""
    total = len(selected)
    if total == 0:
        return ()
    keys = np.flatnonzero(keyframes)
    if len(keys) == 0 or keys[0] != 0:
        keys = np.concatenate([[0], keys])
    counts = np.concatenate([[0], np.cumsum(selected, dtype=np.int64)])

    def keyframe_before(position: int) -> int:
        return int(keys[np.searchsorted(keys, position, side="right") - 1])

    def segment(start: int, stop: int) -> Segment:
        samples = int(counts[stop] - counts[start])
        return Segment(start, stop, samples, keyframe_before(start))

    cuts = [_cut(int(b), int(a), keys) for a, b in zip(batch_lasts, batch_starts[1:], strict=False)]
    cuts = [*sorted(set(cuts)), total]

    def split(limit: float) -> list[Segment]:
        """Greedy: each segment as long as its cost stays within `limit` (a lone batch may
        exceed it)."""
        out: list[Segment] = []
        start = 0
        for i, cut in enumerate(cuts):
            following = cuts[i + 1] if i + 1 < len(cuts) else None
            if cut <= start:
                continue
            if following is None or segment(start, following).cost > limit:
                out.append(segment(start, cut))
                start = cut
        return out

    # The smallest largest cost that fits in `pieces` segments (the linear partition problem):
    # bisection on the limit, each try one greedy pass.
    low, high = 0.0, segment(0, total).cost
    for _ in range(40):
        middle = (low + high) / 2
        if len(split(middle)) <= pieces:
            high = middle
        else:
            low = middle
    out = split(high)
    return tuple(out)


def _cut(batch_start: int, previous_last: int, keys: NDArray[np.int64]) -> int:
    """Where to cut before the batch at `batch_start`: a keyframe after the previous batch's
    last frame, if there is one (a worker then decodes nothing twice), else the batch itself."""
    i = np.searchsorted(keys, batch_start, side="right") - 1
    return int(keys[i]) if i >= 0 and keys[i] > previous_last else batch_start


__all__ = ["ANALYSIS_COST", "BATCH_FRAMES", "Plan", "Segment"]
