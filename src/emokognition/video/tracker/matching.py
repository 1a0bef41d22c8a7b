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
