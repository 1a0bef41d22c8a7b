"""Hostile files, made when asked for (never committed): decompression bombs, headers that
declare huge pictures, truncated files, extreme shapes, videos of a million frames or of huge
frames. Used by tests/web/test_hostile.py and `python -m benchmarks.hostile`."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from fractions import Fraction

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

from tests.shared import PHOTOS, SAMPLE_PHOTO, VIDEOS

SIDE = 7000
"""The side of the largest square image `max_pixels` (50 MP) lets in, about."""


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, *, gray: bool = True, rows: bool = True) -> bytes:
    """A PNG of zeros, `width` x `height`: compressed row by row (a decompression bomb), or
    the header alone (`rows=False`)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if gray else 2, 0, 0, 0)
    body = b""
    if rows:
        packer = zlib.compressobj(9)
        row = bytes(1 + width * (1 if gray else 3))
        body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    idat = _chunk(b"IDAT", body) if rows else b""
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + idat + _chunk(b"IEND", b"")


def gif(screen: tuple[int, int], frame: tuple[int, int] = (1, 1)) -> bytes:
    """A GIF whose logical screen and first frame declare these sizes; one pixel of data."""
    tiny = io.BytesIO()
    Image.new("P", (1, 1), 0).save(tiny, format="GIF")
    data = bytearray(tiny.getvalue())
    data[6:10] = struct.pack("<HH", *screen)
    descriptor = data.index(b"\x2c")  # the image descriptor: x, y, width, height
    data[descriptor + 5 : descriptor + 9] = struct.pack("<HH", *frame)
    return bytes(data)


def webp_canvas(width: int, height: int) -> bytes:
    """An extended WebP whose canvas is `width` x `height` (VP8X), with no image data."""
    vp8x = bytes([0x10, 0, 0, 0]) + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_header(width: int, height: int) -> bytes:
    """A real JPEG's headers with its frame size (SOF0) changed, cut before any scan data."""
    data = bytearray(_encode(Image.new("RGB", (16, 16), (90, 120, 150)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data[: data.index(b"\xff\xda")])


def bmp_header(width: int, height: int) -> bytes:
    """A BMP (BITMAPINFOHEADER, 24 bits) declaring `width` x `height`, with 16 bytes of pixels."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    head = b"BM" + struct.pack("<IHHI", 14 + len(info) + 16, 0, 0, 14 + len(info))
    return head + info + bytes(16)


def tiff_header(width: int, height: int) -> bytes:
    """A little-endian TIFF with one strip of 16 bytes for a `width` x `height` gray picture."""
    entries = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 1),  # BlackIsZero
        (273, 4, 1, 8 + 2 + 12 * 8 + 4),  # StripOffsets: after the directory
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    directory = struct.pack("<H", len(entries))
    directory += b"".join(struct.pack("<HHII", *entry) for entry in entries) + bytes(4)
    return b"II*\x00" + struct.pack("<I", 8) + directory + bytes(16)


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _solid(mode: str = "RGB", side: int = SIDE) -> Image.Image:
    colour = (200, 180, 160, 255) if mode == "RGBA" else (200, 180, 160)
    return Image.new(mode, (side, side), colour)


def video_of_repeats(width: int, height: int, frames: int, *, fps: int = 1000) -> bytes:
    """A Matroska H.264 video of `frames` frames of one grey picture: one keyframe encoded,
    then the same 'nothing changed' frame muxed over and over (a file of ~15 bytes a frame)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "bf": "0", "g": str(frames + 1)}
        picture = av.VideoFrame.from_ndarray(np.full((height, width, 3), 128, np.uint8), "bgr24")
        packets = []
        for pts in range(2):
            picture.pts = pts
            packets += list(stream.encode(picture))
        packets += list(stream.encode(None))
        key, same = bytes(packets[0]), bytes(packets[1])
        time_base = packets[0].time_base or Fraction(1, fps)
        for pts in range(frames):
            packet = av.Packet(key if pts == 0 else same)
            packet.pts = packet.dts = pts
            packet.time_base, packet.stream = time_base, stream
            packet.is_keyframe = pts == 0
            out.mux(packet)
    return buffer.getvalue()


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


# name -> how to make it. Accepted files come first: the benchmark analyses them.
ACCEPTED: dict[str, Callable[[], bytes]] = {
    "png 49 MP": lambda: _encode(_solid(), "PNG", optimize=True),
    "rgba png 40 MP": lambda: _encode(_solid("RGBA", 6_300), "PNG", optimize=True),
    "jpeg 49 MP": lambda: _encode(_solid(), "JPEG", quality=80),
    "gif screen 49 MP, 37 bytes": lambda: gif((SIDE, SIDE)),
    "png 65535 x 700": lambda: png(65_535, 700),
    "png 700 x 65535": lambda: png(700, 65_535),
    "8K video, 6 frames": lambda: video_of_repeats(7680, 4320, 6, fps=25),
}
REFUSED: dict[str, Callable[[], bytes]] = {
    "png bomb 100 MP, 100 KB": lambda: png(10_000, 10_000),
    "rgba png 49 MP": lambda: _encode(_solid("RGBA"), "PNG", optimize=True),
    "png 1 x 40,000,000": lambda: png(1, 40_000_000),
    "png 40,000,000 x 1": lambda: png(40_000_000, 1),
    "png header 100000 x 100000": lambda: png(100_000, 100_000, rows=False),
    "gif screen 65535 x 65535": lambda: gif((65_535, 65_535)),
    "gif frame 65535 x 65535": lambda: gif((1, 1), (65_535, 65_535)),
    "webp canvas 16383 x 16383": lambda: webp_canvas(16_383, 16_383),
    "jpeg header 65500 x 65500": lambda: jpeg_header(65_500, 65_500),
    "bmp header 100000 x 100000": lambda: bmp_header(100_000, 100_000),
    "tiff header 100000 x 100000": lambda: tiff_header(100_000, 100_000),
    "truncated jpeg": lambda: _half(SAMPLE_PHOTO.read_bytes()),
    "truncated png": lambda: _half(_encode(Image.open(PHOTOS / "obama_portrait.jpg"), "PNG")),
    "truncated gif": lambda: _half(_encode(Image.open(SAMPLE_PHOTO).convert("P"), "GIF")),
    "truncated webp": lambda: _half(_encode(Image.open(SAMPLE_PHOTO), "WEBP")),
    "truncated mp4": lambda: _half((VIDEOS / "woman_talking.mp4").read_bytes()),
    "video of 48 MP frames": lambda: video_of_repeats(6912, 6912, 3, fps=25),
    "video of 52 MP frames": lambda: video_of_repeats(7232, 7232, 2, fps=25),
    "video of a million 16x16 frames": lambda: video_of_repeats(16, 16, 1_000_000),
    "empty file": lambda: b"",
    "random bytes": lambda: np.random.default_rng(7).bytes(4096),
}


def corpus(names: dict[str, Callable[[], bytes]]) -> Iterator[tuple[str, bytes]]:
    """Each file of `names`, made as it is reached (only one big file alive at a time)."""
    for name, make in names.items():
        yield name, make()
