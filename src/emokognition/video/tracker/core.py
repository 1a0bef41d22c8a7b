"""The tracker: give every box of every analysed frame a track id."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emokognition.video.tracker.matching import greedy_match, similarity
from emokognition.video.tracker.motion import MovingBox

Box = tuple[float, float, float, float]


class Tracker:
    """Links boxes over time into tracks with ids 1, 2, 3, ... in order of appearance.

    Each live track predicts where its box is now (constant velocity); boxes are matched to
    predictions by overlap, or by closeness when a fast face overlaps no more; the best pairs
    are taken first. A track that is not matched survives `max_age` seconds (a face turned
    away, a missed detection) before it ends; an unmatched box starts a new track. Frames
    must come in time order; the result depends only on the boxes and times.

    Args:
        min_iou: Overlap that makes a predicted and a detected box the same face.
        max_distance: Centre distance, in mean box sides, still matched without overlap.
        max_age: Seconds a track survives unseen.
    """

    def __init__(
        self, *, min_iou: float = 0.3, max_distance: float = 1.0, max_age: float = 1.0
    ) -> None:
        self.min_iou = min_iou
        self.max_distance = max_distance
        self.max_age = max_age
        self._live: dict[int, MovingBox] = {}
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
        self._live = {k: v for k, v in self._live.items() if t - v.t <= self.max_age}
        ids = list(self._live)
        detected = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        predicted = np.array([self._live[k].predict(t) for k in ids]).reshape(-1, 4)
        scores = similarity(
            predicted, detected, min_iou=self.min_iou, max_distance=self.max_distance
        )
        out = [0] * len(boxes)
        for row, col in greedy_match(scores):
            out[col] = ids[row]
            self._live[ids[row]].update(boxes[col], t)
        for col, box in enumerate(boxes):
            if out[col] == 0:
                out[col] = self._next_id
                self._live[self._next_id] = MovingBox(box, t)
                self._next_id += 1
        return out
