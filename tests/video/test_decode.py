"""Decoding: right frames at the right times, upright, ranges after a seek, damage passed over."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.video.decode import DecodedFrame, FrameReader
from emokognition.video.h264 import is_disposable, nal_length_size
from emokognition.video.plan import Plan
from emokognition.video.probe import probe_video
from emokognition.video.sampling import Sampling
from tests.video.media import HAMILTON, WOMAN, damage_packets, write_video

Frames = list[NDArray[np.uint8]]


def _close(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(int) - b).mean()) < 6.0


def test_every_frame(clip: Path, woman_frames: Frames, settings: Settings) -> None:
    probe = probe_video(clip, settings)
    reader = FrameReader(probe, np.ones(len(probe.index), dtype=bool))
    frames = list(reader)
    assert [f.index for f in frames] == list(range(20))
    assert [f.t for f in frames] == pytest.approx([i / 25 for i in range(20)])
    assert all(_close(f.pixels, w) for f, w in zip(frames, woman_frames, strict=True))
    assert (reader.decoded, reader.skipped) == (20, 0)


def test_only_selected_frames_come_out(clip: Path, settings: Settings) -> None:
    probe = probe_video(clip, settings)
    plan = Plan.build(probe.index, Sampling(every=7))
    reader = FrameReader(probe, plan.selected)
    assert [f.index for f in reader] == [0, 7, 14]
    assert reader.decoded == 20  # all decoded, three converted


def test_rotated_video_comes_out_upright(
    media_dir: Path, woman_frames: Frames, settings: Settings
) -> None:
    probe = probe_video(write_video(media_dir / "rot270.mp4", woman_frames, rotation=270), settings)
    first = next(iter(FrameReader(probe, np.ones(len(probe.index), dtype=bool))))
    assert _close(first.pixels, woman_frames[0])


def test_segments_after_a_seek_match_a_straight_decode(settings: Settings) -> None:
    """Segments start anywhere: decoding begins at the keyframe before, frames come from the
    segment's start on, exactly those of a straight decode."""
    probe = probe_video(HAMILTON, settings)
    plan = Plan.build(probe.index, Sampling(fps=5), workers=4)
    assert len(plan.segments) == 4
    assert any(not probe.index.keyframes[s.start] for s in plan.segments)
    straight = {f.index: f for f in FrameReader(probe, plan.selected)}
    pieces: dict[int, DecodedFrame] = {}
    for segment in plan.segments:
        reader = FrameReader(probe, plan.selected, segment.start, segment.stop)
        pieces |= {f.index: f for f in reader}
        assert reader.decoded == segment.stop - segment.start
    assert sorted(pieces) == sorted(straight) == np.flatnonzero(plan.selected).tolist()
    for index, frame in straight.items():
        assert frame.t == pieces[index].t
        np.testing.assert_array_equal(frame.pixels, pieces[index].pixels)


@pytest.mark.parametrize("container", ["mp4", "avi"])
def test_damaged_packets_are_skipped_and_counted(
    media_dir: Path, woman_frames: Frames, settings: Settings, container: str
) -> None:
    path = write_video(media_dir / f"damaged.{container}", woman_frames, container=container)
    probe = probe_video(damage_packets(path, 12, 3), settings)
    reader = FrameReader(probe, np.ones(len(probe.index), dtype=bool))
    indices = [f.index for f in reader]
    assert reader.skipped == 3
    assert indices[:12] == list(range(12)) and indices[-1] == 19  # it kept going


def test_truncated_matroska_gives_what_is_there(
    media_dir: Path, woman_frames: Frames, settings: Settings
) -> None:
    data = write_video(media_dir / "cut.mkv", woman_frames, container="matroska").read_bytes()
    probe = probe_video(data[: len(data) // 2], settings)
    frames = list(FrameReader(probe, np.ones(len(probe.index), dtype=bool)))
    assert 0 < len(frames) < 20


def test_unanalysed_non_reference_frames_are_not_decoded(settings: Settings) -> None:
    """woman_talking.mp4 has B-frames nothing refers to: those not analysed are passed over,
    and the analysed frames come out the same as from a full decode."""
    probe = probe_video(WOMAN, settings)
    plan = Plan.build(probe.index, Sampling(every=5))
    sparse = FrameReader(probe, plan.selected)
    frames = list(sparse)
    assert sparse.passed > 0 and sparse.skipped == 0
    assert sparse.decoded + sparse.passed == len(probe.index)
    full = {f.index: f for f in FrameReader(probe, np.ones(len(probe.index), dtype=bool))}
    for frame in frames:
        np.testing.assert_array_equal(frame.pixels, full[frame.index].pixels)


def test_disposable_nal_units() -> None:
    ref = b"\x00\x00\x00\x02\x41\x9a"  # slice with nal_ref_idc 2
    nonref = b"\x00\x00\x00\x02\x01\x9e"  # slice with nal_ref_idc 0
    sei = b"\x00\x00\x00\x02\x06\x05"
    assert is_disposable(nonref, 4) and is_disposable(sei + nonref, 4)
    assert not is_disposable(ref, 4) and not is_disposable(nonref + ref, 4)
    assert not is_disposable(sei, 4)
    assert nal_length_size(b"\x01\x64\x00\x1f\xff\xe1\x00") == 4
    assert nal_length_size(b"\x00\x00\x00\x01") is None
