"""Opening videos: every container we promise, their metadata, and every kind of bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import CorruptMedia, MediaError, MediaTooLarge, UnsupportedFormat
from emokognition.video.probe import VideoFile, probe_video
from tests.shared import SAMPLE_PHOTO
from tests.video.media import (
    HAMILTON,
    damage_packets,
    raw_avi,
    write_audio_only,
    write_empty,
    write_video,
)

Frames = list[NDArray[np.uint8]]


@pytest.mark.parametrize(
    ("container", "suffix", "fmt"),
    [
        ("mp4", "mp4", "mp4"),
        ("mov", "mov", "mov"),
        ("matroska", "mkv", "mkv"),
        ("webm", "webm", "webm"),
        ("avi", "avi", "avi"),
        ("gif", "gif", "gif"),
    ],
)
def test_containers(
    media_dir: Path, woman_frames: Frames, settings: Settings, container: str, suffix: str, fmt: str
) -> None:
    frames = woman_frames
    if container == "gif":  # GIF frames are big: keep them small
        frames = [np.asarray(cv2.resize(f, (298, 168)), dtype=np.uint8) for f in frames[:10]]
    path = write_video(media_dir / f"probe.{suffix}", frames, container=container)
    probe = probe_video(path, settings)
    info = probe.info.to_dict()
    height, width = frames[0].shape[:2]
    assert (info["kind"], info["format"], info["width"], info["height"]) == (
        "video",
        fmt,
        width,
        height,
    )
    assert info["frames"] == len(frames) and info["fps"] == pytest.approx(25.0)
    assert info["duration"] == pytest.approx(len(frames) / 25.0, abs=0.05)
    assert probe.index.times()[1] == pytest.approx(0.04)


def test_shared_video_with_audio(settings: Settings) -> None:
    probe = probe_video(HAMILTON, settings)
    assert probe.info.to_dict() == {
        "kind": "video",
        "width": 640,
        "height": 360,
        "format": "mp4",
        "sha256": probe.file.sha256(),
        "fps": 29.97,
        "duration": pytest.approx(9.18, abs=0.01),
        "frames": 275,
    }
    assert probe.codec == "h264" and probe.rotation == 0


def test_rotation_swaps_the_size(media_dir: Path, woman_frames: Frames, settings: Settings) -> None:
    probe = probe_video(write_video(media_dir / "rot.mp4", woman_frames, rotation=90), settings)
    assert probe.rotation == 90
    assert (probe.info.width, probe.info.height) == (596, 336)


def test_variable_frame_rate_times(
    media_dir: Path, woman_frames: Frames, settings: Settings
) -> None:
    times = [0.0, 0.05, 0.3, 0.32, 0.5, 0.9, 1.0, 1.01, 1.5, 2.0]
    path = write_video(media_dir / "vfr.mp4", woman_frames[:10], times=times)
    np.testing.assert_allclose(probe_video(path, settings).index.times(), times, atol=1e-3)


def test_bytes_and_paths_agree(clip: Path, settings: Settings) -> None:
    from_path = probe_video(clip, settings)
    from_bytes = probe_video(clip.read_bytes(), settings)
    assert from_path.info == from_bytes.info
    assert from_bytes.file.path is None and from_path.file.data is None


def _truncated_mp4(d: Path, frames: Frames) -> bytes:
    data = write_video(d / "t.mp4", frames).read_bytes()
    return data[: len(data) // 2]


def _unknown_codec(d: Path, frames: Frames) -> bytes:
    return write_video(d / "c.avi", frames, container="avi").read_bytes().replace(b"FMP4", b"ZZZZ")


BAD: list[tuple[str, Callable[[Path, Frames], object], type[Exception], str]] = [
    ("empty", lambda d, f: b"", UnsupportedFormat, "unknown format"),
    ("photo", lambda d, f: SAMPLE_PHOTO, UnsupportedFormat, "got a jpeg image"),
    (
        "garbage",
        lambda d, f: b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 20,
        CorruptMedia,
        "cannot open",
    ),
    ("missing", lambda d, f: d / "nothing.mp4", MediaError, "no such file"),
    ("audio only", lambda d, f: write_audio_only(d / "a.mp4"), MediaError, "no video stream"),
    ("zero frames", lambda d, f: write_empty(d / "z.avi"), CorruptMedia, "no frames"),
    ("truncated", _truncated_mp4, CorruptMedia, "cannot open"),
    ("unknown codec", _unknown_codec, UnsupportedFormat, "codec"),
    ("absurd size", lambda d, f: raw_avi(d / "r.avi", 100_000, 100_000), CorruptMedia, "size"),
    ("too many pixels", lambda d, f: raw_avi(d / "r.avi", 8_000, 8_000), MediaTooLarge, "pixels"),
]


@pytest.mark.parametrize(
    ("make", "error", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_input(
    tmp_path: Path,
    woman_frames: Frames,
    settings: Settings,
    make: Callable[[Path, Frames], object],
    error: type[Exception],
    message: str,
) -> None:
    source = make(tmp_path, woman_frames[:6])
    assert isinstance(source, bytes | Path)
    with pytest.raises(error, match=message):
        probe_video(source, settings)


def test_too_long(clip: Path) -> None:
    with pytest.raises(MediaTooLarge, match=r"0.8 s long \(limit 0.3 s"):
        probe_video(clip, Settings(max_video_seconds=0.3))


def test_too_many_frames_stops_indexing(clip: Path) -> None:
    with pytest.raises(MediaTooLarge, match="more than 12 frames"):
        probe_video(clip, Settings(max_video_frames=12))
    assert probe_video(clip, Settings(max_video_frames=20)).info.frames == 20


def test_ffmpeg_reads_with_the_demuxer_of_the_sniffed_format(clip: Path) -> None:
    """Never a demuxer FFmpeg guesses (hls, concat: they open the files a playlist names)."""
    with VideoFile(path=clip).open() as container:
        assert container.format.name.split(",")[0] == "mov"
    data = clip.read_bytes()
    with pytest.raises(UnsupportedFormat, match="not a video container"):
        VideoFile(data=b"#EXTM3U\n#EXT-X-VERSION:3\n" + data).open()


def test_damaged_middle_still_probes(clip: Path, settings: Settings) -> None:
    probe = probe_video(damage_packets(clip, 5, 3), settings)
    assert probe.info.frames == 20


def test_video_file_needs_one_place() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        VideoFile()
