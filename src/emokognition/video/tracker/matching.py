"""Assign detections to tracks: greedy by similarity, deterministic on ties."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from emokognition.vision.boxes import iou_matrix


def similarity(
    predicted: NDArray[np.float64],
    detected: NDArray[np.float64],
    *,
    min_iou: float,
    max_distance: float,
) -> NDArray[np.float64]:
    """(T, D) match scores between predicted track boxes and detected boxes (both x, y, w, h).

    A pair scores its IoU when that reaches `min_iou`. Otherwise, when the centres are closer
    than `max_distance` times the mean side of the two boxes and their sizes within a factor
    of two, it scores below `min_iou`, higher the closer they are (fast motion between
    sparse samples). Other pairs score 0: they never match.
    """
    iou = iou_matrix(predicted, detected)
    if iou.size == 0:
        return iou
    centres_p = predicted[:, None, :2] + predicted[:, None, 2:] / 2.0
    centres_d = detected[None, :, :2] + detected[None, :, 2:] / 2.0
    distance = np.linalg.norm(centres_p - centres_d, axis=2)
    side_p = np.sqrt(predicted[:, 2] * predicted[:, 3])[:, None]
    side_d = np.sqrt(detected[:, 2] * detected[:, 3])[None, :]
    relative = distance / ((side_p + side_d) / 2.0)
    ratio = np.maximum(side_p, side_d) / np.minimum(side_p, side_d)
    near = (relative < max_distance) & (ratio <= 2.0)
    fallback = np.where(near, min_iou * (1.0 - relative / max_distance) * 0.999, 0.0)
    scores: NDArray[np.float64] = np.where(iou >= min_iou, iou, fallback)
    return scores


# Fewest tracks whose nearest detections must agree on a common motion.
_CROWD = 3


def common_shift(
    predicted: NDArray[np.float64], detected: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(2,) the motion that most predicted boxes share to their nearest detection, or zeros.

    Each prediction's offset to its nearest detected centre (of a size within a factor of
    two); the median of them, when at least `_CROWD` tracks and half of them lie within half
    a side of it. Faces that move on their own, or a crowd too sparse to tell, shift nothing.
    """
    none = np.zeros(2, dtype=np.float64)
    if len(predicted) < _CROWD or len(detected) < _CROWD:
        return none
    centres_p = predicted[:, :2] + predicted[:, 2:] / 2.0
    centres_d = detected[:, :2] + detected[:, 2:] / 2.0
    side_p = np.sqrt(predicted[:, 2] * predicted[:, 3])
    side_d = np.sqrt(detected[:, 2] * detected[:, 3])
    offsets = centres_d[None, :, :] - centres_p[:, None, :]
    distance = np.linalg.norm(offsets, axis=2)
    ratio = np.maximum(side_p[:, None], side_d[None, :]) / np.minimum(
        side_p[:, None], side_d[None, :]
    )
    distance = np.where(ratio <= 2.0, distance, np.inf)
    nearest = np.argmin(distance, axis=1)
    found = np.isfinite(distance[np.arange(len(predicted)), nearest])
    if found.sum() < _CROWD:
        return none
    moves = offsets[np.arange(len(predicted)), nearest][found]
    shift = np.median(moves, axis=0)
    agree = np.linalg.norm(moves - shift, axis=1) <= side_p[found] / 2.0
    if agree.sum() < max(_CROWD, found.sum() / 2.0):
        return none
    result: NDArray[np.float64] = shift
    return result


def greedy_match(scores: NDArray[np.float64]) -> list[tuple[int, int]]:
    """(track, detection) pairs, best score first, each row and column used at most once.

    Pairs scoring 0 never match. Ties go to the lower track, then the lower detection, so the
    result depends only on the scores.
    """
    rows, cols = np.nonzero(scores > 0)
    if len(rows) == 0:
        return []
    order = np.lexsort((cols, rows, -scores[rows, cols]))
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    pairs = []
    for k in order:
        row, col = int(rows[k]), int(cols[k])
        if row in used_rows or col in used_cols:
            continue
        used_rows.add(row)
        used_cols.add(col)
        pairs.append((row, col))
    return pairs
