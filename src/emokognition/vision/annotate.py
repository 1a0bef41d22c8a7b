"""Draw faces, boxes and emotion labels onto pictures, readable with many faces: each label
beside its box and over no other face (`vision.labels`), shortened to the face's number where
the full text does not fit, and the rest listed in a legend under a photo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError
from emokognition.media.load import ImageSource, load_image
from emokognition.vision.faces import Face
from emokognition.vision.labels import Label, place_labels
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
_FONT = cv2.FONT_HERSHEY_SIMPLEX
# A label's font scale follows its face: about a 45th of the face's side (a 16 px face's
# number is ~9 px high), from `_SMALLEST_FONT` up to the picture's own size.
_FACE_TO_FONT = 1 / 45
_SMALLEST_FONT = 0.35


@dataclass(frozen=True, slots=True)
class Style:
    """Sizes for one picture: line thickness and the largest font scale (OpenCV's)."""

    thickness: int
    font: float

    @classmethod
    def of(cls, width: int, height: int) -> Style:
        scale = max(width, height) / 1000.0
        return cls(thickness=max(1, round(2 * scale)), font=max(0.4, 0.6 * scale))

    def font_for(self, face: Face) -> float:
        side = float(np.sqrt(face.box[2] * face.box[3]))
        return min(self.font, max(_SMALLEST_FONT, side * _FACE_TO_FONT))


def face_texts(number: int | str, face: Face) -> tuple[str, str, str]:
    """A face's label, longest first: number, main emotion with its probability and the
    alternative; number and main emotion; the number alone."""
    main = f"{number} {face.main}"
    return f"{main} {face.emotions[face.main]:.0%} / {face.alternative}", main, f"{number}"


def layout(image_shape: tuple[int, ...], faces: Sequence[Face], style: Style) -> list[Label]:
    """Each face's label on a picture of this (H, W, ...) shape, numbered by track where
    faces have one (video), else from 1 in their order."""
    height, width = image_shape[:2]
    numbers = _numbers(faces)
    fonts = [style.font_for(face) for face in faces]

    def measure(index: int, text: str) -> tuple[float, float]:
        (w, h), base = cv2.getTextSize(text, _FONT, fonts[index], 1)
        return float(w + 4), float(h + base + 4)

    return place_labels(
        [face.box for face in faces],
        [face_texts(n, face) for n, face in zip(numbers, faces, strict=True)],
        width,
        height,
        measure,
    )


def _numbers(faces: Sequence[Face]) -> list[str]:
    return [f"#{f.track}" if f.track is not None else str(i) for i, f in enumerate(faces, 1)]


def draw_faces(
    image_bgr: NDArray[np.uint8], faces: Iterable[Face], *, legend: bool = False
) -> NDArray[np.uint8]:
    """A copy of a (H, W, 3) BGR image with each face boxed and labelled.

    Args:
        image_bgr: The picture.
        faces: Its faces.
        legend: List the faces whose label was shortened under the picture (the copy is then
            taller); video frames keep their size and their labels only.
    """
    faces = list(faces)
    canvas = image_bgr.copy()
    style = Style.of(canvas.shape[1], canvas.shape[0])
    for face in faces:
        x, y, w, h = face.box
        cv2.rectangle(canvas, (x, y), (x + w, y + h), COLOURS[face.main], style.thickness)
    labels = layout(canvas.shape, faces, style)
    for label in labels:
        face = faces[label.face]
        _draw_label(canvas, label, face, style.font_for(face))
    shortened = [label.face for label in labels if not label.full]
    if legend and shortened:
        numbers = _numbers(faces)
        listed = [faces[i] for i in shortened]
        return _with_legend(canvas, listed, [numbers[i] for i in shortened], style)
    return canvas


def _draw_label(canvas: NDArray[np.uint8], label: Label, face: Face, font: float) -> None:
    x, y, w, h = (round(v) for v in label.rect)
    colour = COLOURS[face.main]
    if label.apart:  # a thin line from the label to its face
        fx, fy, fw, fh = face.box
        cv2.line(canvas, (x + w // 2, y + h // 2), (fx + fw // 2, fy + fh // 2), colour, 1)
    cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, cv2.FILLED)
    (_, th), _ = cv2.getTextSize(label.text, _FONT, font, 1)
    cv2.putText(canvas, label.text, (x + 2, y + th + 2), _FONT, font, (0, 0, 0), 1, cv2.LINE_AA)


def _with_legend(
    canvas: NDArray[np.uint8], faces: list[Face], numbers: list[str], style: Style
) -> NDArray[np.uint8]:
    """The picture over a white strip listing, in columns, the faces whose label shows less
    than its full text, each with its number, emotions and colour."""
    font = min(style.font, 0.8)
    lines = [face_texts(n, face)[0] for n, face in zip(numbers, faces, strict=True)]
    sizes = [cv2.getTextSize(line, _FONT, font, 1) for line in lines]
    line_w = max(w for (w, _), _ in sizes) + 16
    line_h = max(h + base for (_, h), base in sizes) + 6
    width = canvas.shape[1]
    columns = max(1, width // line_w)
    strip = np.full((line_h * -(-len(lines) // columns) + 8, width, 3), 255, dtype=np.uint8)
    for i, (face, line) in enumerate(zip(faces, lines, strict=True)):
        x, y = 10 + (i % columns) * line_w, 4 + (i // columns) * line_h
        swatch = ((x - 8, y + 3), (x - 3, y + line_h - 5))
        cv2.rectangle(strip, *swatch, COLOURS[face.main], cv2.FILLED)
        cv2.putText(strip, line, (x, y + line_h - 6), _FONT, font, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([canvas, strip])


def annotate_image(
    source: ImageSource, result: ImageResult, target: Path, *, settings: Settings
) -> None:
    """Write `source` with the faces of `result` drawn on it (and the legend of the faces
    labelled by number only under it); the format follows the suffix.

    Raises:
        MediaError: The target cannot be written in that format.
    """
    image = load_image(source, settings)
    canvas = draw_faces(image.pixels, result.faces, legend=True)
    try:
        written = cv2.imwrite(str(target), canvas)
    except cv2.error as exc:
        raise MediaError(f"cannot write {target}: {exc}") from exc
    if not written:
        raise MediaError(f"cannot write {target} (use .jpg or .png)")
