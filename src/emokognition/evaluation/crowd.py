"""Crowd pictures with known boxes, made from labelled photos: scaled-down copies packed into
large pictures (a crowd of small faces), and a grid of the photos (a collage).

Nothing here is stored: the pictures are made again, the same, from the same photos.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.evaluation.detection import LabelledImage

# A crowd picture's size: a group photo from a phone or a camera.
CROWD_SIZE = (3000, 2000)
# Each crowd picture scales every photo so that its smallest face has this side (pixels), so
# its faces run from there to about 1.3x (the photos' faces differ in size).
CROWD_FACES = (16, 20, 24, 32, 40)
_GAP = 6  # pixels between packed photos: their edges are not faces
_JPEG_QUALITY = 90  # pictures are posted as JPEGs; their artefacts are part of the task


def crowd_set(
    photos: Sequence[LabelledImage],
    *,
    size: tuple[int, int] = CROWD_SIZE,
    faces: Sequence[int] = CROWD_FACES,
) -> list[LabelledImage]:
    """One packed crowd picture per face size, then a 4x4 grid collage.

    Args:
        photos: Labelled photos; those without faces are the background.
        size: (width, height) of every picture, pixels.
        faces: Smallest face side of each crowd picture, pixels.

    Raises:
        ValueError: No photo with faces, or one without.
    """
    with_faces = [p for p in photos if len(p.boxes)]
    empty = [p for p in photos if not len(p.boxes)]
    if not with_faces or not empty:
        raise ValueError("a crowd set needs photos with faces and one without (the background)")
    pictures = [pack(with_faces, empty[0], smallest_face=side, size=size) for side in faces]
    pictures.append(grid(list(photos), columns=4, rows=4, size=size))
    return [_as_jpeg(p) for p in pictures]


def pack(
    photos: Sequence[LabelledImage],
    background: LabelledImage,
    *,
    smallest_face: float,
    size: tuple[int, int],
) -> LabelledImage:
    """The photos, each scaled so that its smallest face is `smallest_face` pixels, packed in
    rows over the background (scaled to fill), round and round until the picture is full.

    Raises:
        ValueError: No photo so scaled fits in the picture.
    """
    width, height = size
    canvas = _fill(background.pixels, width, height)
    scaled = [
        _scaled(p, smallest_face / float(np.sqrt(p.boxes[:, 2] * p.boxes[:, 3]).min()))
        for p in photos
    ]
    scaled = [s for s in scaled if s[0].shape[1] + 2 * _GAP <= width]
    scaled = [s for s in scaled if s[0].shape[0] + 2 * _GAP <= height]
    if not scaled:
        raise ValueError(f"no photo with {smallest_face} px faces fits in {width}x{height}")
    boxes: list[NDArray[np.float64]] = []
    x = y = _GAP
    row_height = 0
    for index in itertools.count():  # ends: each photo fits, so the rows fill the height
        pixels, photo_boxes = scaled[index % len(scaled)]
        h, w = pixels.shape[:2]
        if x + w + _GAP > width:
            x, y, row_height = _GAP, y + row_height + _GAP, 0
        if y + h + _GAP > height:
            break
        canvas[y : y + h, x : x + w] = pixels
        boxes.append(photo_boxes + np.array([x, y, 0, 0], dtype=np.float64))
        x, row_height = x + w + _GAP, max(row_height, h)
    return LabelledImage(
        name=f"crowd of {smallest_face:g} px faces ({width}x{height})",
        pixels=canvas,
        boxes=np.concatenate(boxes),
    )


def grid(
    photos: Sequence[LabelledImage], *, columns: int, rows: int, size: tuple[int, int]
) -> LabelledImage:
    """The photos in a columns x rows grid, round and round, each scaled to fit its cell."""
    width, height = size
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    cell_w, cell_h = width // columns, height // rows
    boxes = []
    for cell in range(columns * rows):
        photo = photos[cell % len(photos)]
        h, w = photo.pixels.shape[:2]
        pixels, photo_boxes = _scaled(photo, min((cell_w - _GAP) / w, (cell_h - _GAP) / h))
        x = (cell % columns) * cell_w + (cell_w - pixels.shape[1]) // 2
        y = (cell // columns) * cell_h + (cell_h - pixels.shape[0]) // 2
        canvas[y : y + pixels.shape[0], x : x + pixels.shape[1]] = pixels
        boxes.append(photo_boxes + np.array([x, y, 0, 0], dtype=np.float64))
    return LabelledImage(
        name=f"{columns}x{rows} grid of the photos ({width}x{height})",
        pixels=canvas,
        boxes=np.concatenate(boxes),
    )


def _scaled(photo: LabelledImage, scale: float) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The photo and its boxes scaled; shrunk with INTER_AREA, as a camera would see it."""
    h, w = photo.pixels.shape[:2]
    # Rounded up, so that no face comes out under the size asked for.
    new_w, new_h = max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    pixels = np.asarray(
        cv2.resize(photo.pixels, (new_w, new_h), interpolation=interpolation), dtype=np.uint8
    )
    factor = np.array([new_w / w, new_h / h, new_w / w, new_h / h], dtype=np.float64)
    return pixels, photo.boxes * factor


def _fill(pixels: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """The picture scaled and centre-cropped to exactly width x height."""
    h, w = pixels.shape[:2]
    scale = max(width / w, height / h)
    big = cv2.resize(pixels, (max(width, round(w * scale)), max(height, round(h * scale))))
    y, x = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return np.ascontiguousarray(big[y : y + height, x : x + width], dtype=np.uint8)


def _as_jpeg(image: LabelledImage) -> LabelledImage:
    ok, data = cv2.imencode(".jpg", image.pixels, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
    if not ok:
        raise ValueError(f"cannot encode {image.name} as JPEG")
    pixels = np.asarray(cv2.imdecode(data, cv2.IMREAD_COLOR), dtype=np.uint8)
    return LabelledImage(name=image.name, pixels=pixels, boxes=image.boxes)
