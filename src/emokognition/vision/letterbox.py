"""A detector's model inputs cut from a picture: scaled, tiled, padded to the models' alignment,
each with the window that maps its pixels back to the picture's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.vision.windows import Level, tile_grid

# Every SAME padding of a fully convolutional model stays as at its trained size when the
# input's sides are multiples of its deepest stride (BlazeFace: 32).
ALIGN = 32
# A pyramid level is cut into tiles of at most this side (input pixels), one model run each.
# Per input pixel BlazeFace full range costs ~57 ns at 256-320 px, 74 at 512 and 122 at 1024
# (one core: larger inputs fall out of the cache); with the overlap below, tiles of 512 search
# a 3000x2000 crowd's finest level 1.8x faster than tiles of 1024 run two at a time.
TILE = 512
# Tiles overlap by more than the largest face a level is responsible for (the next coarser
# level, 4x coarser, finds those of more than ~4 x 20 input pixels).
TILE_OVERLAP = 96
# A weak candidate's surroundings, searched a level finer: a square of this many times its
# side, and at least `FOCUS_MIN` input pixels (a face it half showed, with some margin).
FOCUS_SIDES = 2.0
FOCUS_MIN = 128


@dataclass(frozen=True, slots=True)
class Window:
    """One model input: where it comes from in the picture, and at what scale."""

    image: int  # index in the batch of pictures
    x: float  # picture pixels of the input's top-left corner
    y: float
    step: float  # picture pixels per input pixel

    def offset(self) -> NDArray[np.float32]:
        """The corner for each x, y column of a decoded row (box corners, six keypoints)."""
        return np.tile(np.array([self.x, self.y], dtype=np.float32), 8)


Input = tuple[Window, NDArray[np.float32]]
"""A window and its (3, H, W) float32 RGB tensor in [-1, 1]."""


def aligned(length: int) -> int:
    """`length` rounded up to a multiple of `ALIGN`."""
    return -(-length // ALIGN) * ALIGN


def whole(index: int, image: NDArray[np.uint8], scale: float) -> Input:
    """The whole picture scaled by `scale` into the top-left of one padded input."""
    return Window(index, 0.0, 0.0, 1.0 / scale), letterbox(image, scale)


def letterbox(patch: NDArray[np.uint8], scale: float) -> NDArray[np.float32]:
    """(3, H, W) float32 RGB in [-1, 1]: the BGR patch scaled into the top-left of an input
    whose sides are multiples of `ALIGN`, the rest black."""
    height, width = patch.shape[:2]
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    return tensor(resize(patch, w, h), aligned(w), aligned(h))


def level_inputs(index: int, image: NDArray[np.uint8], level: Level) -> Iterator[Input]:
    """One pyramid level: the picture scaled once, cut into equal tiles (one when it fits),
    made one at a time so that a large level never holds all its tensors at once."""
    scaled = resize(image, level.width, level.height)
    tile_w, xs = tile_grid(level.width, TILE, TILE_OVERLAP, ALIGN)
    tile_h, ys = tile_grid(level.height, TILE, TILE_OVERLAP, ALIGN)
    step = 1.0 / level.scale
    for y in ys:
        for x in xs:
            patch = scaled[y : y + tile_h, x : x + tile_w]
            yield Window(index, x * step, y * step, step), tensor(patch, tile_w, tile_h)


def focus_inputs(
    index: int, image: NDArray[np.uint8], level: Level, boxes: NDArray[np.float32]
) -> Iterator[Input]:
    """The surroundings of each (x0, y0, x1, y1, ...) row of `boxes` (picture pixels) at the
    level's scale, each a square inside the picture where it fits."""
    height, width = image.shape[:2]
    for x0, y0, x1, y1 in boxes[:, :4].tolist():
        side = max(FOCUS_SIDES * max(x1 - x0, y1 - y0), FOCUS_MIN / level.scale)
        left = _start((x0 + x1) / 2 - side / 2, side, width)
        top = _start((y0 + y1) / 2 - side / 2, side, height)
        patch = image[top : min(height, top + round(side)), left : min(width, left + round(side))]
        yield (
            Window(index, float(left), float(top), 1.0 / level.scale),
            letterbox(patch, level.scale),
        )


def focus_pixels(boxes: NDArray[np.float32], level: Level) -> float:
    """Input pixels `focus_inputs` takes for these boxes at most."""
    sides = np.maximum(
        FOCUS_SIDES * (boxes[:, 2:4] - boxes[:, 0:2]).max(axis=1) * level.scale, FOCUS_MIN
    )
    return float(np.square(sides).sum())


def _start(start: float, side: float, length: int) -> int:
    """A window's first pixel: `start`, moved inside [0, length) as far as `side` allows."""
    return int(max(0.0, min(start, length - side)))


def tensor(patch: NDArray[np.uint8], width: int, height: int) -> NDArray[np.float32]:
    """(3, height, width) float32 RGB in [-1, 1]: the BGR patch at the top left, black after."""
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[: patch.shape[0], : patch.shape[1]] = patch[:, :, ::-1]
    scaled = canvas.transpose(2, 0, 1).astype(np.float32) * np.float32(2.0 / 255.0)
    return scaled - np.float32(1.0)


def resize(image: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """Shrink with `shrink`, enlarge linearly."""
    if (width, height) == (image.shape[1], image.shape[0]):
        return image
    if width < image.shape[1]:
        return shrink(image, width, height)
    return np.asarray(cv2.resize(image, (width, height)), dtype=np.uint8)


def shrink(image: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """Downscale: linear to 3x the target, then INTER_AREA (a 1280 px photo to 192 px: ~0.3 ms
    instead of ~3 for INTER_AREA alone, with the same recall)."""
    if image.shape[1] > 3 * width and image.shape[0] > 3 * height:
        image = np.asarray(cv2.resize(image, (3 * width, 3 * height)), dtype=np.uint8)
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), np.uint8)
