"""Small JPEG previews of stored media for the dashboard's lists, made once and kept on disk.

A list of 20 analyses must not send 20 full photos: each preview is at most
`THUMBNAIL_SIZE` pixels on its longer side, kept beside the media (deleted with it).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.errors import CorruptMedia
from emokognition.media.budget import process_budget
from emokognition.media.images import decode_image, image_peak
from emokognition.store.media import write_atomically
from emokognition.video.decode import first_frame

THUMBNAIL_SIZE = 320
_JPEG_QUALITY = 80


def thumbnail(media: Path, *, target: Path, kind: str, max_pixels: int, memory_mb: int) -> Path:
    """The preview of stored `media` (an image, or a video's first frame) at `target`; made
    when missing.

    Raises:
        CorruptMedia: The media cannot be decoded (a `MediaError` subclass for other reasons).
    """
    if target.exists():
        return target
    budget = process_budget(memory_mb)
    if kind == "video":
        pixels = first_frame(str(media), max_pixels=max_pixels, budget=budget)
    else:  # the jobs' memory budget: two big previews take turns, as their analyses do
        data = media.read_bytes()
        with budget.hold(image_peak(data, max_pixels=max_pixels)):
            pixels = _shrink(decode_image(data, max_pixels=max_pixels).pixels, THUMBNAIL_SIZE)
    ok, encoded = cv2.imencode(
        ".jpg", _shrink(pixels, THUMBNAIL_SIZE), [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY]
    )
    if not ok:
        raise CorruptMedia(f"cannot encode a preview of {media.name[:12]}...")
    write_atomically(target, encoded.tobytes())
    return target


def _shrink(pixels: NDArray[np.uint8], size: int) -> NDArray[np.uint8]:
    """(H, W, 3) BGR scaled so that its longer side is at most `size` (never enlarged)."""
    height, width = pixels.shape[:2]
    scale = size / max(height, width)
    if scale >= 1:
        return pixels
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(pixels, shape, interpolation=cv2.INTER_AREA), dtype=np.uint8)
