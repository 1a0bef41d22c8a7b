"""Decoding in few copies, exactly as Pillow would, within a process's memory budget."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import threading
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from emokognition.errors import MediaTooLarge
from emokognition.media.budget import MB, MemoryBudget
from emokognition.media.images import decode_image
from tests.shared import PHOTOS


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _pillow_bgr(data: bytes) -> np.ndarray:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return np.asarray(image.convert("RGB"))[:, :, ::-1]


@pytest.fixture(scope="module")
def portrait() -> Image.Image:
    with Image.open(PHOTOS / "obama_portrait.jpg") as image:
        return image.convert("RGB").resize((240, 180))


def _transparent(portrait: Image.Image) -> Image.Image:
    rgba = portrait.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(portrait.size))
    return rgba


@pytest.mark.parametrize(
    "make",
    [
        lambda p: _encode(p, "PNG"),
        lambda p: _encode(p.convert("L"), "PNG"),
        lambda p: _encode(p.convert("P", palette=Image.Palette.ADAPTIVE), "GIF"),
        lambda p: _encode(p.convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
        lambda p: _encode(_transparent(p), "PNG"),
        lambda p: _encode(_transparent(p), "WEBP", lossless=True),
        lambda p: _encode(p, "PNG", exif=_orientation(6)),
    ],
    ids=["rgb png", "gray png", "palette gif", "palette png", "rgba png", "rgba webp", "exif png"],
)
def test_every_path_gives_pillows_pixels(portrait: Image.Image, make: object) -> None:
    assert callable(make)
    data = make(portrait)
    decoded = decode_image(data).pixels
    expected = _pillow_bgr(data)
    assert decoded.shape == expected.shape and decoded.flags.c_contiguous
    assert np.abs(decoded.astype(int) - expected.astype(int)).max() <= 1


def _orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def test_pillows_bomb_guard_is_left_on() -> None:
    code = (
        "import PIL.Image as I; before = I.MAX_IMAGE_PIXELS\n"
        "import emokognition.media.images, emokognition.vision.analyzer\n"
        "print(before == I.MAX_IMAGE_PIXELS is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` RGB pixels and holds none of them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_beyond_pillows_guard_is_our_error_not_pillows() -> None:
    """A limit raised above Pillow's own (2 x 89.5 MP) meets Pillow's guard: still ours."""
    with pytest.raises(MediaTooLarge, match="too large to decode"):
        decode_image(_png_header(20_000, 20_000), max_pixels=10**9)


def test_a_decode_bigger_than_the_budget_is_refused() -> None:
    data = _encode(Image.new("RGB", (2000, 1500), (90, 120, 150)), "PNG")  # 3 MP, 21 MB to decode
    with pytest.raises(MediaTooLarge, match=r"about 20 MB, more than the 10 MB allowed"):
        decode_image(data, budget=MemoryBudget(10 * MB))
    budget = MemoryBudget(24 * MB)
    assert decode_image(data, budget=budget).pixels.shape == (1500, 2000, 3)
    assert budget.used == 0


def test_big_decodes_take_turns() -> None:
    budget = MemoryBudget(100)
    first_holds, second_holds, release = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with budget.hold(60):
            first_holds.set()
            release.wait(10)

    def second() -> None:
        with budget.hold(60):
            second_holds.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_holds.wait(10)
    threads[1].start()
    assert not second_holds.wait(0.3)  # 60 + 60 > 100: it waits for the first
    with budget.hold(40):  # what is left is still free
        assert budget.used == 100
    release.set()
    assert second_holds.wait(10)
    for thread in threads:
        thread.join(10)
    assert budget.used == 0
