"""Draw faces, boxes and emotion labels onto pictures."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError
from emokognition.media.load import ImageSource, load_image
from emokognition.vision.faces import Face
from emokognition.vision.results import ImageResult

# BGR colour of each main emotion, chosen to be told apart at a glance.
COLOURS: dict[str, tuple[int, int, int]] = {
    "angry": (40, 40, 220),
    "disgusted": (40, 140, 40),
    "fearful": (160, 60, 160),
    "happy": (0, 200, 255),
    "sad": (200, 120, 40),
    "surprised": (0, 140, 255),
    "neutral": (180, 180, 180),
}


def draw_faces(image_bgr: NDArray[np.uint8], faces: Iterable[Face]) -> NDArray[np.uint8]:
    """A copy of a (H, W, 3) BGR image with each face boxed and labelled."""
    canvas = image_bgr.copy()
    scale = max(canvas.shape[:2]) / 1000.0
    thickness = max(1, round(2 * scale))
    font_scale = max(0.4, 0.6 * scale)
    for face in faces:
        x, y, w, h = face.box
        colour = COLOURS[face.main]
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        prefix = f"#{face.track} " if face.track is not None else ""
        label = f"{prefix}{face.main} {face.emotions[face.main]:.0%} / {face.alternative}"
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        top = y - th - base - 4 if y - th - base - 4 >= 0 else y + h
        cv2.rectangle(canvas, (x, top), (x + tw + 4, top + th + base + 4), colour, cv2.FILLED)
        cv2.putText(
            canvas,
            label,
            (x + 2, top + th + 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return canvas


def annotate_image(
    source: ImageSource, result: ImageResult, target: Path, *, settings: Settings
) -> None:
    """Write `source` with the faces of `result` drawn on it; the format follows the suffix.

    Raises:
        MediaError: The target cannot be written in that format.
    """
    image = load_image(source, settings)
    canvas = draw_faces(image.pixels, result.faces)
    try:
        written = cv2.imwrite(str(target), canvas)
    except cv2.error as exc:
        raise MediaError(f"cannot write {target}: {exc}") from exc
    if not written:
        raise MediaError(f"cannot write {target} (use .jpg or .png)")
