"""Decoding real photos and a generated corpus of odd and broken files."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageOps

from emokognition.errors import CorruptMedia, MediaError, MediaTooLarge, UnsupportedFormat
from emokognition.media.images import array_image, decode_image
from tests.shared import PHOTOS, VIDEOS


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def portrait() -> Image.Image:
    with Image.open(PHOTOS / "obama_portrait.jpg") as image:
        return image.convert("RGB").resize((240, 180))


def test_real_jpeg_is_bgr_and_identified() -> None:
    data = (PHOTOS / "obama_portrait.jpg").read_bytes()
    image = decode_image(data)
    reference = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert image.pixels.shape == (*reference.shape[:2], 3)
    np.testing.assert_array_equal(image.pixels[:, :, ::-1], reference)
    assert image.info.kind == "image"
    assert image.info.format == "jpeg"
    assert image.info.sha256 is not None and len(image.info.sha256) == 64


def test_rgba_png_is_composited_on_white() -> None:
    image = decode_image((PHOTOS / "alex_lacamoire_portrait.png").read_bytes())
    assert image.info.format == "png"
    assert image.pixels.shape[2] == 3


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "GIF"),
        ("CMYK", "JPEG"),
        ("RGBA", "WEBP"),
        ("RGB", "BMP"),
        ("RGB", "TIFF"),
        ("I;16", "PNG"),
    ],
)
def test_modes_decode_to_bgr(portrait: Image.Image, mode: str, fmt: str) -> None:
    converted = portrait.convert("L").convert(mode) if mode == "I;16" else portrait.convert(mode)
    image = decode_image(_encode(converted, fmt))
    assert image.pixels.shape == (180, 240, 3)
    assert image.pixels.dtype == np.uint8
    # Content survives: the decoded picture still correlates with the source.
    gray = image.pixels.mean(axis=2)
    source = np.asarray(portrait.convert("L"), dtype=np.float64)
    assert np.corrcoef(gray.ravel(), source.ravel())[0, 1] > 0.9


def test_sixteen_bit_uses_the_full_range() -> None:
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    image = decode_image(_encode(Image.fromarray(ramp), "PNG"))
    assert image.pixels.min() == 0
    assert image.pixels.max() == 255


def test_exif_orientation_is_applied(portrait: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = decode_image(_encode(portrait, "JPEG", exif=exif.tobytes()))
    assert image.pixels.shape == (240, 180, 3)
    assert (image.info.width, image.info.height) == (180, 240)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(portrait: Image.Image, orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(portrait, "JPEG", exif=exif.tobytes())
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    expected = np.asarray(upright)[:, :, ::-1]
    assert np.array_equal(decode_image(data).pixels, expected)


def test_animated_gif_gives_the_first_frame(portrait: Image.Image) -> None:
    frames = [portrait, Image.new("RGB", portrait.size, (255, 0, 0))]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    image = decode_image(data)
    assert image.pixels.shape == (180, 240, 3)
    assert not (image.pixels[:, :, 2] > 200).all()  # not the red second frame


def test_pixel_limit_is_checked_before_decoding() -> None:
    data = _encode(Image.new("L", (4000, 3000)), "PNG")
    with pytest.raises(MediaTooLarge, match="12,000,000 pixels"):
        decode_image(data, max_pixels=10_000_000)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _zeroed_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:200] + bytes(middle - 200) + data[middle:]


BROKEN: list[tuple[str, Callable[[bytes], bytes], type[MediaError]]] = [
    ("empty", lambda data: b"", CorruptMedia),
    ("header only", lambda data: data[:64], CorruptMedia),
    ("truncated", _truncated, CorruptMedia),
    ("text", lambda data: b"hello, this is not a picture\n" * 10, UnsupportedFormat),
    ("pdf", lambda data: b"%PDF-1.4\n" + data, UnsupportedFormat),
    ("png magic, garbage", lambda data: b"\x89PNG\r\n\x1a\n" + bytes(200), CorruptMedia),
]


@pytest.mark.parametrize(("name", "mangle", "error"), BROKEN, ids=[b[0] for b in BROKEN])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_broken_files_raise_media_errors(
    portrait: Image.Image,
    name: str,
    mangle: Callable[[bytes], bytes],
    error: type[MediaError],
    fmt: str,
) -> None:
    data = mangle(_encode(portrait, fmt))
    with pytest.raises(error):
        decode_image(data)


def test_corrupted_middle_never_escapes_as_a_foreign_error(portrait: Image.Image) -> None:
    for fmt in ("PNG", "JPEG", "WEBP"):
        # A JPEG with zeroed scan data may still decode (grey blocks): both outcomes are fine.
        with contextlib.suppress(MediaError):
            decode_image(_zeroed_middle(_encode(portrait, fmt)))


def test_video_bytes_are_not_an_image() -> None:
    with pytest.raises(UnsupportedFormat, match="mp4 video"):
        decode_image((VIDEOS / "woman_talking.mp4").read_bytes())


@pytest.mark.parametrize(
    ("array", "shape"),
    [
        (np.zeros((10, 20), dtype=np.uint8), (10, 20, 3)),
        (np.zeros((10, 20, 1), dtype=np.uint8), (10, 20, 3)),
        (np.zeros((10, 20, 3), dtype=np.uint8), (10, 20, 3)),
        (np.zeros((10, 20, 4), dtype=np.uint8), (10, 20, 3)),
        (np.full((10, 20, 3), 65535, dtype=np.uint16), (10, 20, 3)),
    ],
)
def test_arrays(array: np.ndarray, shape: tuple[int, int, int]) -> None:
    image = array_image(array)
    assert image.pixels.shape == shape
    assert image.info.format == "array"


@pytest.mark.parametrize(
    ("array", "error"),
    [
        (np.zeros((10, 20, 2), dtype=np.uint8), UnsupportedFormat),
        (np.zeros((10,), dtype=np.uint8), UnsupportedFormat),
        (np.zeros((10, 20, 3), dtype=np.float32), UnsupportedFormat),
        (np.zeros((0, 20, 3), dtype=np.uint8), CorruptMedia),
    ],
)
def test_bad_arrays(array: np.ndarray, error: type[MediaError]) -> None:
    with pytest.raises(error):
        array_image(array)
