from __future__ import annotations

from pathlib import Path

import pytest

from emokognition.media.sniff import media_kind, sniff_format
from tests.shared import PHOTOS, VIDEOS


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (PHOTOS / "obama_portrait.jpg", "jpeg"),
        (PHOTOS / "alex_lacamoire_portrait.png", "png"),
        (VIDEOS / "woman_talking.mp4", "mp4"),
        (VIDEOS / "hamilton_stage.mp4", "mp4"),
    ],
)
def test_real_files(path: Path, expected: str) -> None:
    assert sniff_format(path.read_bytes()[:64]) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"GIF89a\x01\x00", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"II*\x00\x08\x00", "tiff"),
        (b"\x00\x00\x00\x14ftypqt  ", "mov"),
        (b"\x1a\x45\xdf\xa3\x9fB\x86\x81\x01webm", "webm"),
        (b"\x1a\x45\xdf\xa3\x9fB\x86\x81\x01matroska", "mkv"),
        (b"%PDF-1.7", None),
        (b"<html><body>", None),
        (b"", None),
    ],
)
def test_magic_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_format(head) == expected


def test_kind() -> None:
    assert media_kind("jpeg") == "image"
    assert media_kind("webm") == "video"
