"""SSD decoding shared by BlazeFace's models: anchors from their spec, rows of boxes and
keypoints from the raw outputs, MediaPipe's weighted NMS, detections in picture pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emokognition.vision.boxes import iou_one_to_many
from emokognition.vision.faces import Detection

# Scores are clipped before the sigmoid, as MediaPipe does, so exp() cannot overflow.
_RAW_SCORE_LIMIT = 80.0


@dataclass(frozen=True, slots=True)
class SsdSpec:
    """The SSD anchor layout of a BlazeFace model (MediaPipe's ssd_anchors_calculator options).

    Attributes:
        input_size: Side of the square input, pixels.
        strides: Feature-map stride of each output layer.
        anchors_per_cell: Anchors at every cell of a layer with that stride (all unit-sized).
    """

    input_size: int
    strides: tuple[int, ...]
    anchors_per_cell: int

    def anchors(self, height: int = 0, width: int = 0) -> NDArray[np.float32]:
        """(A, 2) anchor centres in input pixels for an input of this size (default: the
        trained square), in the order the model emits them: per stride, row-major cells."""
        height, width = height or self.input_size, width or self.input_size
        centres = []
        for stride in dict.fromkeys(self.strides):  # layers sharing a stride share a grid
            layers = self.strides.count(stride)
            ys = (np.arange(height // stride, dtype=np.float32) + 0.5) * stride
            xs = (np.arange(width // stride, dtype=np.float32) + 0.5) * stride
            grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
            centre = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
            centres.append(np.repeat(centre, layers * self.anchors_per_cell, axis=0))
        return np.concatenate(centres).astype(np.float32)


# MediaPipe face_detection_short_range_common.pbtxt: 4 layers, interpolated aspect 1.0
# (two anchors per layer); full_range_common.pbtxt: 1 layer, one anchor per cell.
SHORT_RANGE = SsdSpec(input_size=128, strides=(8, 16, 16, 16), anchors_per_cell=2)
FULL_RANGE = SsdSpec(input_size=192, strides=(4,), anchors_per_cell=1)


Rows = tuple[NDArray[np.float32], NDArray[np.float32]]
"""(K, 16) decoded rows in picture pixels and their (K,) scores."""


def concat(rows: list[Rows]) -> Rows:
    """The rows of several inputs as one."""
    if not rows:
        return np.empty((0, 16), np.float32), np.empty((0,), np.float32)
    return np.concatenate([b for b, _ in rows]), np.concatenate([s for _, s in rows])


def decode(
    regressors: NDArray[np.float32],
    logits: NDArray[np.float32],
    anchors: NDArray[np.float32],
    threshold: float,
) -> Rows:
    """Boxes (K, 16) as x0, y0, x1, y1 then six keypoints (x, y) in input pixels, and their
    (K,) scores, for the anchors scoring above `threshold`, from one input's (A, 16)
    regressors and (A, 1) logits over its (A, 2) anchor centres."""
    raw = np.clip(logits[:, 0], -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)
    keep = raw > np.log(threshold / (1.0 - threshold))
    scores = (1.0 / (1.0 + np.exp(-raw[keep]))).astype(np.float32)
    reg = regressors[keep]
    centre = reg[:, :2] + anchors[keep]
    half = reg[:, 2:4] / 2.0
    points = reg[:, 4:16] + np.tile(anchors[keep], 6)
    boxes = np.concatenate([centre - half, centre + half, points], axis=1).astype(np.float32)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes[valid], scores[valid]


def weighted_nms(
    boxes: NDArray[np.float32], scores: NDArray[np.float32], threshold: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """MediaPipe's weighted NMS: each cluster of boxes overlapping its best by IoU > threshold
    becomes their score-weighted mean, keeping the best score.

    Args:
        boxes: (K, C) x0, y0, x1, y1, then columns averaged alike (keypoints).
        scores: (K,) confidences.

    Returns:
        (M, C) merged rows and (M,) scores, best first.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order], scores[order]
    out_boxes, out_scores = [], []
    while len(boxes):
        overlap = iou_one_to_many(boxes[0], boxes) > threshold
        overlap[0] = True
        weights = scores[overlap][:, None]
        out_boxes.append((boxes[overlap] * weights).sum(axis=0) / weights.sum())
        out_scores.append(scores[0])
        boxes, scores = boxes[~overlap], scores[~overlap]
    if not out_boxes:
        return np.empty((0, boxes.shape[1]), np.float32), np.empty((0,), dtype=np.float32)
    return np.array(out_boxes, dtype=np.float32), np.array(out_scores, dtype=np.float32)


def to_detections(
    boxes: NDArray[np.float32], scores: NDArray[np.float32], width: int, height: int
) -> list[Detection]:
    """Merged rows in picture pixels as detections, boxes clipped to the picture."""
    out = []
    for row, score in zip(boxes.tolist(), scores.tolist(), strict=True):
        x0, y0 = max(row[0], 0.0), max(row[1], 0.0)
        x1, y1 = min(row[2], float(width)), min(row[3], float(height))
        points = tuple((row[i], row[i + 1]) for i in range(4, len(row), 2))
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            box = (x0, y0, x1 - x0, y1 - y0)
            out.append(Detection(box=box, score=min(float(score), 1.0), keypoints=points))
    return out
