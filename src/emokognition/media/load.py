"""Turn whatever a caller hands us (path, URL, bytes, array) into a decoded image."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError, MediaTooLarge
from emokognition.media.download import download
from emokognition.media.images import DecodedImage, array_image, decode_image

ImageSource: TypeAlias = str | os.PathLike[str] | bytes | NDArray[np.generic]
"""A path, an http(s) URL, encoded bytes, or a (H, W[, C]) uint8 array (BGR)."""


def is_url(source: object) -> bool:
    """True for a str that names an http(s) URL."""
    return isinstance(source, str) and source.split("://", 1)[0].lower() in ("http", "https")


def read_bytes(source: str | os.PathLike[str] | bytes, settings: Settings) -> bytes:
    """The encoded bytes of a path, URL or bytes source, within the configured size limit.

    Raises:
        MediaError: The file is missing, unreadable or too large.
        SourceError: The URL is refused or the download fails.
    """
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and is_url(source):
        return download(
            source,
            max_bytes=settings.max_download_bytes,
            timeout=settings.download_timeout,
            allow_private=settings.allow_private_urls,
        )
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > settings.max_download_bytes:
            raise MediaTooLarge(
                f"{path.name} is {size:,} bytes (limit {settings.max_download_bytes:,})"
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise MediaError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise MediaError(f"is a directory: {path}") from exc
    except PermissionError as exc:
        raise MediaError(f"permission denied: {path}") from exc


def load_image(source: ImageSource, settings: Settings) -> DecodedImage:
    """Decode any `ImageSource` into an upright BGR image.

    Raises:
        MediaError: Unreadable, unsupported, corrupt or oversized media.
        SourceError: A URL that is refused or fails.
    """
    if isinstance(source, np.ndarray):
        return array_image(source)
    data = read_bytes(source, settings)
    return decode_image(data, max_pixels=settings.max_pixels)
