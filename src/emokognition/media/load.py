"""Turn whatever a caller hands us (path, URL, bytes, array) into bytes, a kind, an image."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError, MediaTooLarge
from emokognition.media.budget import process_budget
from emokognition.media.download import download
from emokognition.media.images import DecodedImage, array_image, decode_image, image_peak
from emokognition.media.sniff import identify

ImageSource: TypeAlias = str | os.PathLike[str] | bytes | NDArray[np.generic]
"""A path, an http(s) URL, encoded bytes, or a (H, W[, C]) uint8 array (BGR)."""


# "scheme://": how a URL is written, whichever its scheme; a local path never starts so.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(source: object) -> bool:
    """True for a str written as a URL (`scheme://...`).

    Only http(s) URLs are downloaded; `read_bytes` refuses the others by their scheme
    ("unsupported URL scheme 'ftp'") rather than looking for a file of that name.
    """
    return isinstance(source, str) and _URL.match(source) is not None


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
            deadline=settings.download_deadline,
            allow_private=settings.allow_private_urls,
        )
    path = Path(source)
    with _file_errors(path):
        size = path.stat().st_size
        if size > settings.max_download_bytes:
            raise MediaTooLarge(
                f"{path.name} is {size:,} bytes (limit {settings.max_download_bytes:,})"
            )
        return path.read_bytes()


def read_head(path: Path, size: int = 64) -> bytes:
    """The first `size` bytes of a local file (enough for `identify`).

    Raises:
        MediaError: The file is missing, a directory or unreadable.
    """
    with _file_errors(path), path.open("rb") as file:
        return file.read(size)


@contextmanager
def _file_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError as exc:
        raise MediaError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise MediaError(f"is a directory: {path}") from exc
    except PermissionError as exc:
        raise MediaError(f"permission denied: {path}") from exc


@dataclass(frozen=True, slots=True)
class OpenedMedia:
    """A path or URL whose kind is known, ready to analyse.

    Attributes:
        source: The local path as given (a video streams from it), or a URL's downloaded bytes.
        format: As named by `sniff_format`.
        kind: "image" or "video" (`media_kind`: a GIF is an image).
    """

    source: str | bytes
    format: str
    kind: str


def open_media(source: str, settings: Settings) -> OpenedMedia:
    """What a path or URL holds, found from its first bytes; a URL is downloaded, once.

    Raises:
        MediaError: Missing or unreadable file, "empty file", not a supported image or video.
        SourceError: A URL that is refused ("unsupported URL scheme 'ftp'") or fails.
    """
    if is_url(source):
        data = read_bytes(source, settings)
        return OpenedMedia(data, *identify(data[:64]))
    return OpenedMedia(source, *identify(read_head(Path(source))))


def load_image(source: ImageSource, settings: Settings) -> DecodedImage:
    """Decode any `ImageSource` into an upright BGR image.

    Raises:
        MediaError: Unreadable, unsupported, corrupt or oversized media.
        SourceError: A URL that is refused or fails.
    """
    with held_image(source, settings) as image:
        return image


@contextmanager
def held_image(source: ImageSource, settings: Settings) -> Iterator[DecodedImage]:
    """`load_image`, holding the decode's memory from the process's budget
    (`decode_memory_mb`) until the block ends: the analysis of a big image keeps its share,
    so two jobs' big images take turns for the whole job, not only while decoding.

    Raises: as `load_image`; `MediaTooLarge` for a decode larger than the whole budget.
    """
    if isinstance(source, np.ndarray):
        yield array_image(source)
        return
    data = read_bytes(source, settings)
    peak = image_peak(data, max_pixels=settings.max_pixels)
    with process_budget(settings.decode_memory_mb).hold(peak):
        yield decode_image(data, max_pixels=settings.max_pixels)
