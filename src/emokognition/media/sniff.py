"""Recognise a media format from its first bytes, never from a file name or a client's claim."""

from __future__ import annotations

from emokognition.errors import CorruptMedia, UnsupportedFormat

IMAGE_FORMATS = ("jpeg", "png", "gif", "webp", "bmp", "tiff")
VIDEO_FORMATS = ("mp4", "mov", "mkv", "webm", "avi")

_ISO_BRANDS_MOV = (b"qt  ",)


def sniff_format(head: bytes) -> str | None:
    """Name the format of a file from its first 64 bytes, or None when unknown.

    Returns one of `IMAGE_FORMATS` or `VIDEO_FORMATS`.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:2] == b"BM" and len(head) >= 26:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        return "mov" if head[8:12] in _ISO_BRANDS_MOV else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else "mkv"
    return None


def media_kind(fmt: str) -> str:
    """'image' or 'video' for a format named by `sniff_format`.

    A GIF is an image, animated or not: its first frame is analysed, by every entry point.
    """
    return "video" if fmt in VIDEO_FORMATS else "image"


def identify(head: bytes) -> tuple[str, str]:
    """The format and kind ("image" or "video") of media from its first 64 bytes.

    The one rule every entry point (command line, API, bot) applies before any work.

    Raises:
        CorruptMedia: The file is empty ("empty file").
        UnsupportedFormat: Neither an image nor a video format we read.
    """
    if not head:
        raise CorruptMedia("empty file")
    fmt = sniff_format(head)
    if fmt is None:
        raise UnsupportedFormat(
            f"not a supported image ({', '.join(IMAGE_FORMATS)}) "
            f"or video ({', '.join(VIDEO_FORMATS)})"
        )
    return fmt, media_kind(fmt)
