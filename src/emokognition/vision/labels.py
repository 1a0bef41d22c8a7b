"""Where each face's label goes on a picture with many faces: beside its box, never over
another face, another label or the picture's edge; shortened (down to the face's number)
where the full text does not fit, moved a little further where even that does not fit.

Pure geometry: the caller says how big a text is (OpenCV's font for `--annotate`, the
page's for its SVG), so both draw the same layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Rect = tuple[float, float, float, float]
"""(x, y, w, h) in picture pixels, (x, y) the top-left corner."""

Measure = Callable[[int, str], tuple[float, float]]
"""(face index, text) -> the (width, height) its label takes, padding included."""

# Rings of places around a box tried when none beside it is free, a label height apart.
_RINGS = 16


@dataclass(frozen=True, slots=True)
class Label:
    """One face's label.

    Attributes:
        face: Index of the face in the list given.
        text: The text shown: the longest of the face's texts that fits.
        rect: The label's rectangle in picture pixels.
        full: Whether `text` is the face's first (longest) text.
        apart: Whether it stands away from its box (draw a line to it).
        covers: Whether no free place was found: it lies over another face or label.
    """

    face: int
    text: str
    rect: Rect
    full: bool
    apart: bool = False
    covers: bool = False


def place_labels(
    boxes: Sequence[Rect],
    texts: Sequence[Sequence[str]],
    width: int,
    height: int,
    measure: Measure,
) -> list[Label]:
    """A label for every face, in face order, each in the first free place found.

    For each face its texts are tried longest first, each above then below its box (moved
    sideways to stay inside the picture), then right and left of it; the last, shortest
    text is then tried at growing distances around the box. A place is free when it lies
    inside the picture and over no face's box (the face's own included) and no label
    placed before.

    Args:
        boxes: (x, y, w, h) of each face, picture pixels.
        texts: For each face, its texts from longest to shortest (the last: its number).
        width, height: The picture's size.
        measure: The size a text's label takes.

    Raises:
        ValueError: Boxes and texts differ in number, or a face has no text.
    """
    if len(boxes) != len(texts) or any(not options for options in texts):
        raise ValueError(f"need one or more texts per box, got {len(boxes)} boxes, {texts!r}")
    faces = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    taken = np.empty((0, 4), dtype=np.float64)
    labels = []
    for index, options in enumerate(texts):
        label = _place(index, options, faces, taken, (width, height), measure)
        labels.append(label)
        taken = np.vstack([taken, np.array(label.rect, dtype=np.float64)])
    return labels


def _place(
    index: int,
    options: Sequence[str],
    faces: NDArray[np.float64],
    taken: NDArray[np.float64],
    size: tuple[int, int],
    measure: Measure,
) -> Label:
    box = faces[index]
    obstacles = np.vstack([faces, taken])
    for rank, text in enumerate(options):
        w, h = measure(index, text)
        for rect in _beside(box, w, h, size):
            if _free(rect, obstacles, size):
                return Label(index, text, rect, full=rank == 0)
    text = options[-1]
    w, h = measure(index, text)
    for rect in _around(box, w, h, size):
        if _free(rect, obstacles, size):
            return Label(index, text, rect, full=len(options) == 1, apart=True)
    x, y, _, _ = _beside(box, w, h, size)[0]  # above, as far inside as it goes
    rect = (x, _inside(y, h, size[1]), w, h)
    return Label(index, text, rect, full=len(options) == 1, covers=True)


def _beside(box: NDArray[np.float64], w: float, h: float, size: tuple[int, int]) -> list[Rect]:
    """Above and below the box (left-aligned, moved inside the picture), right and left."""
    x, y, bw, bh = (float(v) for v in box)
    left = _inside(x, w, size[0])
    return [
        (left, y - h, w, h),
        (left, y + bh, w, h),
        (x + bw, _inside(y, h, size[1]), w, h),
        (x - w, _inside(y, h, size[1]), w, h),
    ]


def _around(box: NDArray[np.float64], w: float, h: float, size: tuple[int, int]) -> list[Rect]:
    """Places on rings around the box, a label height further each, nearest first."""
    x, y, bw, bh = (float(v) for v in box)
    cx, cy = x + bw / 2, y + bh / 2
    places = []
    for ring in range(1, _RINGS + 1):
        reach_x, reach_y = bw / 2 + w / 2 + ring * h, bh / 2 + h / 2 + ring * h
        for angle in np.linspace(0, 2 * np.pi, 8 + 4 * ring, endpoint=False):
            px = cx + reach_x * float(np.cos(angle)) - w / 2
            py = cy + reach_y * float(np.sin(angle)) - h / 2
            places.append((_inside(px, w, size[0]), _inside(py, h, size[1]), w, h))
    return places


def _inside(start: float, length: float, limit: int) -> float:
    return max(0.0, min(start, limit - length))


def _free(rect: Rect, obstacles: NDArray[np.float64], size: tuple[int, int]) -> bool:
    x, y, w, h = rect
    if x < 0 or y < 0 or x + w > size[0] or y + h > size[1]:
        return False
    if not len(obstacles):
        return True
    ox, oy, ow, oh = obstacles.T
    hit = (x < ox + ow) & (ox < x + w) & (y < oy + oh) & (oy < y + h)
    return not bool(hit.any())


def overlaps(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share any area."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
