"""Face boxes to classifier crops: square, with a margin, clipped to the image."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.vision.faces import Box


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
    gray: NDArray[np.uint8], boxes: list[Box], *, size: int = 64, margin: float = 0.1
) -> NDArray[np.uint8]:
    """Cut (N, size, size) uint8 crops out of a (H, W) gray image, one per box."""
    out = np.empty((len(boxes), size, size), dtype=np.uint8)
    height, width = gray.shape
    for i, box in enumerate(boxes):
        x0, y0, x1, y1 = square_box(box, margin, width, height)
        out[i] = resize_square(gray[y0:y1, x0:x1], size)
    return out


def resize_square(patch: NDArray[np.uint8], size: int) -> NDArray[np.uint8]:
    """Resize a (H, W) patch to (size, size): INTER_AREA to shrink (no aliasing), else linear."""
    if patch.shape == (size, size):
        return patch
    shrinking = patch.shape[0] > size or patch.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(patch, (size, size), interpolation=interpolation), dtype=np.uint8)
