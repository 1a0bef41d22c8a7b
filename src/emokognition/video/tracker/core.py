"""The tracker: give every box of every analysed frame a track id."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from emokognition.video.tracker.matching import common_shift, greedy_match, similarity
from emokognition.video.tracker.motion import MovingBox

Box = tuple[float, float, float, float]


class Tracker:
    """Links boxes over time into tracks with ids 1, 2, 3, ... in order of appearance.

    Each live track predicts where its box is now (constant velocity); boxes are matched to
    predictions by overlap, or by closeness when a fast face overlaps no more; the best pairs
    are taken first. A track that is not matched survives `max_age` seconds or `max_misses`
    analysed frames, whichever is longer (a face turned away, a small face the detector
    missed; at a sparse sampling a second is only a frame or two), before it ends; an
    unmatched box starts a new track. Frames must come in time order; the result depends
    only on the boxes and times.

    Args:
        min_iou: Overlap that makes a predicted and a detected box the same face.
        max_distance: Centre distance, in mean box sides, still matched without overlap.
        max_age: Seconds a track survives unseen.
        max_misses: Analysed frames in a row a track survives unseen.
        follow_crowd: Shift every prediction by the crowd's common motion (a camera pan, an
            audience walking one way) before matching: small faces move more than their
            side between sparse samples, where neither overlap nor closeness finds them.
    """

    def __init__(
        self,
        *,
        min_iou: float = 0.3,
        max_distance: float = 2.0,
        max_age: float = 1.0,
        max_misses: int = 3,
        follow_crowd: bool = True,
    ) -> None:
        self.min_iou = min_iou
        self.max_distance = max_distance
        self.max_age = max_age
        self.max_misses = max_misses
        self.follow_crowd = follow_crowd
        self._live: dict[int, MovingBox] = {}
        self._misses: dict[int, int] = {}
        self._next_id = 1
        self._t = -np.inf

    def update(self, t: float, boxes: Sequence[Box], *, cut: bool = False) -> list[int]:
        """Track ids for the boxes (x, y, w, h) of the frame at `t` seconds, in their order.

        `cut` says that a new shot starts with this frame: every track ends before it.

        Raises:
            ValueError: `t` is earlier than the previous frame's.
        """
        if t < self._t:
            raise ValueError(f"frames must come in time order: {t} after {self._t}")
        self._t = t
        if cut:
            self._live.clear()
        self._live = {
            k: v
            for k, v in self._live.items()
            if t - v.t <= self.max_age or 0 < self.max_misses >= self._misses[k]
        }
        self._misses = {k: self._misses[k] for k in self._live}
        ids = list(self._live)
        detected = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        predicted = np.array([self._live[k].predict(t) for k in ids]).reshape(-1, 4)
        scores = similarity(
            predicted, detected, min_iou=self.min_iou, max_distance=self.max_distance
        )
        pairs = greedy_match(scores)
        if self.follow_crowd:
            pairs += self._second_chance(predicted, detected, pairs)
        out = [0] * len(boxes)
        for row, col in pairs:
            out[col] = ids[row]
            self._live[ids[row]].update(boxes[col], t)
        for k in ids:
            self._misses[k] = 0 if k in out else self._misses[k] + 1
        for col, box in enumerate(boxes):
            if out[col] == 0:
                out[col] = self._next_id
                self._live[self._next_id] = MovingBox(box, t)
                self._misses[self._next_id] = 0
                self._next_id += 1
        return out

    def _second_chance(
        self,
        predicted: NDArray[np.float64],
        detected: NDArray[np.float64],
        pairs: list[tuple[int, int]],
    ) -> list[tuple[int, int]]:
        """Pairs among the unmatched tracks and boxes once their common motion is undone."""
        rows = np.setdiff1d(np.arange(len(predicted)), [r for r, _ in pairs])
        cols = np.setdiff1d(np.arange(len(detected)), [c for _, c in pairs])
        if not len(rows) or not len(cols):
            return []
        shift = common_shift(predicted[rows], detected[cols])
        if not shift.any():
            return []
        moved = predicted[rows].copy()
        moved[:, :2] += shift
        scores = similarity(
            moved, detected[cols], min_iou=self.min_iou, max_distance=self.max_distance
        )
        return [(int(rows[r]), int(cols[c])) for r, c in greedy_match(scores)]
