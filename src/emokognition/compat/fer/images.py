"""What `fer` accepts as an image (array, path, URL, base64 data URI) and its `InvalidImage`."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError, SourceError
from emokognition.media.load import load_image


class InvalidImage(MediaError):
    """Raised, as by `fer`, for an image that is None, of an unsupported type, missing,
    unreadable or not an image. A `MediaError`, so emokognition's handlers know it too."""


_DATA_URI = "data:image/"


def load_bgr(img: Any, settings: Settings) -> NDArray[np.uint8]:
    """The (H, W, 3) uint8 BGR pixels of what `fer.utils.load_image` takes: a numpy array
    (BGR, gray or BGRA), a path, an http(s) URL or a "data:image/...;base64," URI; also
    encoded bytes and `os.PathLike` paths.

    Raises:
        InvalidImage: None, another type, or a source that is not a readable image (the
            message says why).
    """
    if img is None:
        raise InvalidImage("Image not valid.")
    if isinstance(img, str) and img.startswith(_DATA_URI):
        img = _data_uri_bytes(img)
    elif not isinstance(img, np.ndarray | str | bytes | os.PathLike):
        raise InvalidImage(f"Unsupported image type: {type(img)}")
    try:
        return load_image(img, settings).pixels
    except (MediaError, SourceError) as exc:
        raise InvalidImage(f"Failed to load image: {exc}") from exc


def _data_uri_bytes(uri: str) -> bytes:
    _, _, payload = uri.partition(",")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImage(f"Failed to load image: bad base64 data URI ({exc})") from exc
