"""Decode image bytes into an upright BGR array, refusing what would hurt us."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from emokognition.errors import CorruptMedia, MediaTooLarge, UnsupportedFormat
from emokognition.media.budget import MemoryBudget
from emokognition.media.info import MediaInfo
from emokognition.media.sniff import identify


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An upright image ready for detection.

    Attributes:
        pixels: (H, W, 3) uint8 BGR array, EXIF orientation applied.
        info: Its `MediaInfo` (kind "image").
    """

    pixels: NDArray[np.uint8]
    info: MediaInfo

    def __post_init__(self) -> None:
        if self.pixels.dtype != np.uint8 or self.pixels.ndim != 3 or self.pixels.shape[2] != 3:
            raise ValueError(
                f"pixels must be (H, W, 3) uint8, got {self.pixels.shape} {self.pixels.dtype}"
            )


def decode_image(
    data: bytes, *, max_pixels: int = 50_000_000, budget: MemoryBudget | None = None
) -> DecodedImage:
    """Decode image bytes to an upright BGR array.

    Handles grayscale, 16-bit, alpha (composited on white), palette and CMYK images, EXIF
    orientation, and animated GIF/WebP (first frame). Memory: the BGR array (3 bytes a pixel)
    plus at most about as much again while decoding (`benchmarks/decode_memory.py`).

    Raises:
        CorruptMedia: Empty, truncated or damaged data.
        UnsupportedFormat: Not an image format we read (or a video).
        MediaTooLarge: More than `max_pixels` pixels, checked before decoding (Pillow's own
            decompression-bomb guard, left as it is, refuses twice its `MAX_IMAGE_PIXELS`), or a
            decode that needs more memory than all of `budget` (held while decoding).
    """
    fmt = _format(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd but readable metadata
            image = _open(data, max_pixels)
            plain = _plain(data, image)
            with budget.hold(_peak_bytes(image, plain)) if budget else nullcontext():
                pixels = _decode_opencv(data, image) if plain else None
                if pixels is None:
                    image.seek(0)
                    pixels = _decode_pillow(image)
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"image is too large to decode: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"cannot decode {fmt} image: {exc}") from exc
    height, width = pixels.shape[:2]
    info = MediaInfo(
        kind="image",
        width=width,
        height=height,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return DecodedImage(pixels=pixels, info=info)


def image_peak(data: bytes, *, max_pixels: int = 50_000_000) -> int:
    """About the most bytes `decode_image` takes on `data`, read from its header alone.

    Raises: as `decode_image`, for what the header shows (format, size).
    """
    fmt = _format(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = _open(data, max_pixels)
            return _peak_bytes(image, _plain(data, image))
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"image is too large to decode: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"cannot decode {fmt} image: {exc}") from exc


def _format(data: bytes) -> str:
    fmt, kind = identify(data[:64])
    if kind == "video":
        raise UnsupportedFormat(f"expected an image, got a {fmt} video")
    return fmt


MAX_SIDE = 65_535
"""The longest side of an image we decode (JPEG's, WebP's and GIF's own limit): a PNG of
1 x 40,000,000 pixels is under `max_pixels`, holds no face, and took Pillow 3 GB (a row each)."""


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image's header, refused above `max_pixels` (or `MAX_SIDE`) before any pixel is
    decoded."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width * height > max_pixels:
        raise MediaTooLarge(
            f"image is {width}x{height} = {width * height:,} pixels (limit {max_pixels:,})"
        )
    if max(width, height) > MAX_SIDE:
        raise MediaTooLarge(f"image is {width}x{height}: a side is over {MAX_SIDE:,} pixels")
    return image


def array_image(array: NDArray[np.generic]) -> DecodedImage:
    """Wrap a caller's array: (H, W) gray, (H, W, 3) BGR or (H, W, 4) BGRA, uint8 or uint16."""
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise UnsupportedFormat(
            f"array must be (H, W), (H, W, 3) or (H, W, 4), got shape {array.shape}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise CorruptMedia(f"array is empty: shape {array.shape}")
    if array.dtype == np.uint16:
        array = np.right_shift(array.astype(np.uint16), 8).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise UnsupportedFormat(f"array dtype must be uint8 or uint16, got {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] == 1:
        pixels = np.repeat(array, 3, axis=2)
    elif array.shape[2] == 4:
        pixels = np.ascontiguousarray(array[:, :, :3])
    else:
        pixels = np.ascontiguousarray(array)
    height, width = pixels.shape[:2]
    return DecodedImage(
        pixels=pixels.astype(np.uint8, copy=False),
        info=MediaInfo(kind="image", width=width, height=height, format="array"),
    )


# EXIF orientation -> what makes the stored pixels upright (as Pillow's exif_transpose).
_ORIENTATIONS: dict[int, Callable[[NDArray[np.uint8]], NDArray[np.uint8]]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
    7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
    8: lambda a: a.transpose(1, 0, 2)[::-1],
}


def _plain(data: bytes, image: Image.Image) -> bool:
    """An 8-bit RGB or gray JPEG or PNG that OpenCV decodes faster and straight into BGR.

    OpenCV would paint a truncated JPEG grey where Pillow refuses it, so a JPEG without its end
    marker (ignoring a little trailing junk) takes Pillow's path. A PNG with transparency or 16
    bits takes it too (composited on white, or scaled, there).
    """
    if image.format == "JPEG":
        return image.mode in ("RGB", "L") and b"\xff\xd9" in data[-1024:]
    return image.format == "PNG" and image.mode in ("RGB", "L") and "transparency" not in image.info


def _peak_bytes(image: Image.Image, plain: bool) -> int:
    """About the most memory decoding `image` and analysing it take, by the path it goes
    (measured with `benchmarks/decode_memory.py` and `benchmarks/hostile.py`): OpenCV's buffer
    and the array (a PNG's inflate buffers too); Pillow's 1 or 4 bytes a pixel, their copy and
    the array; more for alpha and 16-bit images."""
    if plain:
        per_pixel = 6 if image.format == "JPEG" else 7
    elif image.mode in ("P", "L") and "transparency" not in image.info:
        per_pixel = 6
    elif image.mode == "RGB":
        per_pixel = 7
    elif image.mode == "RGBA":
        per_pixel = 9
    else:
        per_pixel = 12
    return per_pixel * image.width * image.height


def _decode_opencv(data: bytes, image: Image.Image) -> NDArray[np.uint8] | None:
    """libjpeg-turbo or libpng straight into BGR: twice as fast as Pillow plus a channel flip,
    and 3 bytes a pixel instead of Pillow's 4 plus a copy."""
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if decoded is None or decoded.shape[:2] != (image.height, image.width):
        return None  # let Pillow say what is wrong
    pixels = np.asarray(decoded, dtype=np.uint8)
    orient = _ORIENTATIONS.get(int(image.getexif().get(0x0112, 1)))
    return np.ascontiguousarray(orient(pixels)) if orient else pixels


def _decode_pillow(image: Image.Image) -> NDArray[np.uint8]:
    """Pillow's decode, upright, in as few full-size copies as each mode allows.

    Pillow holds RGB at 4 bytes a pixel and `np.asarray` copies it once more, so the image is
    closed as soon as its bytes are out, and orientation is applied to the BGR array instead of
    through `ImageOps.exif_transpose` (which copies the whole image even when upright).
    """
    image.load()
    orient = _ORIENTATIONS.get(int(image.getexif().get(0x0112, 1)))
    pixels = _to_bgr(image)
    image.close()
    return np.ascontiguousarray(orient(pixels)) if orient else pixels


def _to_bgr(image: Image.Image) -> NDArray[np.uint8]:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(image, dtype=np.uint32)
        # 16-bit PNGs use 0..65535; Pillow's "I" mode may hold either range.
        shift = 8 if wide.max(initial=0) > 255 else 0
        gray = (wide >> shift).clip(0, 255).astype(np.uint8)
        return _gray_to_bgr(gray)
    if image.mode == "F":
        gray = np.asarray(image, dtype=np.float32).clip(0, 255).astype(np.uint8)
        return _gray_to_bgr(gray)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return _on_white(image if image.mode == "RGBA" else image.convert("RGBA"))
    if image.mode == "P":
        # One byte a pixel through the palette, instead of Pillow's 4-byte RGB conversion.
        palette = np.zeros((256, 3), np.uint8)
        colors = np.frombuffer(bytes(image.getpalette("RGB") or ()), np.uint8).reshape(-1, 3)
        palette[: len(colors)] = colors[:256, ::-1]
        return palette[np.asarray(image, dtype=np.uint8)]
    if image.mode == "L":
        return _gray_to_bgr(np.asarray(image, dtype=np.uint8))
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), np.uint8)


def _gray_to_bgr(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(gray), cv2.COLOR_GRAY2BGR), np.uint8)


_ROWS = 256  # rows composited at a time: the 16-bit intermediates stay small


def _on_white(rgba_image: Image.Image) -> NDArray[np.uint8]:
    """RGBA composited on a white background, as BGR, a band of rows at a time (read from
    Pillow band by band: no full-size copy of its 4 bytes a pixel)."""
    width, height = rgba_image.size
    out = np.empty((height, width, 3), np.uint8)
    for top in range(0, height, _ROWS):
        band = rgba_image.crop((0, top, width, min(top + _ROWS, height)))
        rgba = np.asarray(band, dtype=np.uint8).astype(np.uint16)
        alpha = rgba[:, :, 3:]
        blended = (rgba[:, :, 2::-1] * alpha + 255 * (255 - alpha) + 127) // 255
        out[top : top + _ROWS] = blended.astype(np.uint8)
    return out
