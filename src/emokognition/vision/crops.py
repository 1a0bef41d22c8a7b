"""Face boxes to classifier crops: square, with a margin, turned so the eyes are level."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.vision.faces import Box

Point = tuple[float, float]
"""(x, y) in pixels of the image."""


def square_box(box: Box, margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    """A square around `box`, grown by `margin` of its side on each side, clipped to the image.

    Returns integer (x0, y0, x1, y1) with 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height.
    The result is square unless the image edge cuts it.
    """
    x, y, w, h = box
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    x0 = int(np.floor(cx - side / 2.0))
    y0 = int(np.floor(cy - side / 2.0))
    x1 = int(np.ceil(cx + side / 2.0))
    y1 = int(np.ceil(cy + side / 2.0))
    x0, x1 = min(max(x0, 0), width - 1), min(max(x1, 1), width)
    y0, y1 = min(max(y0, 0), height - 1), min(max(y1, 1), height)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def face_crops(
    gray: NDArray[np.uint8],
    boxes: Sequence[Box],
    *,
    size: int = 64,
    margin: float = 0.1,
    keypoints: Sequence[Sequence[Point]] | None = None,
) -> NDArray[np.uint8]:
    """Cut (N, size, size) uint8 crops out of a (H, W) gray image, one per box.

    Args:
        gray: (H, W) uint8 image.
        boxes: (x, y, w, h) face boxes in its pixels.
        size: Side of the crops, pixels.
        margin: Added on each side, as a fraction of the box's longer side.
        keypoints: Per box, the detector's keypoints, of which the first two are the eyes,
            the person's right eye first (BlazeFace's order). Where a box has them, its crop
            is turned about the box centre so that the eyes are level (same centre, side and
            margin); where it has fewer than two (or `keypoints` is None), the crop is upright.

    Raises:
        ValueError: `keypoints` has not one entry per box.
    """
    if keypoints is not None and len(keypoints) != len(boxes):
        raise ValueError(f"expected keypoints for {len(boxes)} boxes, got {len(keypoints)}")
    out = np.empty((len(boxes), size, size), dtype=np.uint8)
    height, width = gray.shape
    for i, box in enumerate(boxes):
        points = keypoints[i] if keypoints is not None else ()
        if len(points) >= 2:
            out[i] = aligned_crop(gray, box, eye_angle(points[0], points[1]), size, margin)
        else:
            x0, y0, x1, y1 = square_box(box, margin, width, height)
            out[i] = resize_square(gray[y0:y1, x0:x1], size)
    return out


def eye_angle(right_eye: Point, left_eye: Point) -> float:
    """Degrees the face is turned clockwise on screen (y down): 0 when the eyes are level.

    The person's right eye is on the image's left in a frontal upright face.
    """
    return math.degrees(math.atan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0]))


def aligned_crop(
    gray: NDArray[np.uint8], box: Box, angle: float, size: int, margin: float
) -> NDArray[np.uint8]:
    """The (size, size) square crop of `box` turned back by `angle` degrees about its centre.

    Outside the image the edge pixels are repeated. Large faces are first shrunk with
    INTER_AREA (warpAffine does not low-pass), so a turned crop is as sharp as an upright
    one from `face_crops`.
    """
    x, y, w, h = box
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    rad = math.radians(angle)
    # The upright square that holds the turned crop, plus a pixel for interpolation.
    reach = side * (abs(math.cos(rad)) + abs(math.sin(rad))) / 2.0 + 1.0
    x0, y0 = math.floor(cx - reach), math.floor(cy - reach)
    n = math.ceil(2.0 * reach) + 1
    patch = _window(gray, x0, y0, n)
    scale = size / side
    shrink = 1.0
    if scale < 1.0:
        small = max(1, round(n * scale))
        patch = np.asarray(
            cv2.resize(patch, (small, small), interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
        shrink = small / n
    # Pixel centres: a corner coordinate c is index c - 0.5 (cv2.resize keeps corners).
    centre = ((cx - x0) * shrink - 0.5, (cy - y0) * shrink - 0.5)
    matrix = cv2.getRotationMatrix2D(centre, angle, scale / shrink)
    matrix[:, 2] += np.array([size / 2.0 - 0.5 - centre[0], size / 2.0 - 0.5 - centre[1]])
    turned = cv2.warpAffine(
        patch, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(turned, dtype=np.uint8)


def _window(gray: NDArray[np.uint8], x0: int, y0: int, n: int) -> NDArray[np.uint8]:
    """The (n, n) window at (x0, y0), edge pixels repeated where it leaves the image."""
    height, width = gray.shape
    rows = np.clip(np.arange(y0, y0 + n), 0, height - 1)
    cols = np.clip(np.arange(x0, x0 + n), 0, width - 1)
    return gray[np.ix_(rows, cols)]


def resize_square(patch: NDArray[np.uint8], size: int) -> NDArray[np.uint8]:
    """Resize a (H, W) patch to (size, size): INTER_AREA to shrink (no aliasing), else linear."""
    if patch.shape == (size, size):
        return patch
    shrinking = patch.shape[0] > size or patch.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(patch, (size, size), interpolation=interpolation), dtype=np.uint8)
