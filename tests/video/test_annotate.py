"""Annotated videos: every frame written, faces drawn, audio kept."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from emokognition.config import Settings
from emokognition.errors import MediaError
from emokognition.video.annotate import video_codec, write_annotated
from emokognition.video.probe import probe_video
from emokognition.video.results import FrameResult
from tests.video.factories import make_face, make_result
from tests.video.media import HAMILTON


def _result_with_box(frames: int) -> tuple[FrameResult, ...]:
    box = (100, 80, 120, 120)
    return tuple(
        FrameResult(index=i, t=i / 30, faces=(make_face(box, "happy"),))
        for i in range(0, frames, 6)
    )


def test_mp4_keeps_audio_and_every_frame(tmp_path: Path, settings: Settings) -> None:
    probe = probe_video(HAMILTON, settings)
    result = make_result(list(_result_with_box(275)))
    target = write_annotated(probe, result, tmp_path / "out.mp4")
    with av.open(str(target)) as out:
        video, audio = out.streams.video[0], out.streams.audio[0]
        assert video.codec_context.name == ("h264" if video_codec("mp4") == "libx264" else "mpeg4")
        assert (video.codec_context.width, video.codec_context.height) == (640, 360)
        assert audio.codec_context.name == "aac"
        frames = [f.to_ndarray(format="bgr24") for f in out.decode(video=0)]
    assert len(frames) == 275
    with av.open(str(HAMILTON)) as original:
        first = next(original.decode(video=0)).to_ndarray(format="bgr24")
    # The box outline differs from the original; far from it nothing changed much.
    edge = np.abs(frames[0][78:83, 100:220].astype(int) - first[78:83, 100:220]).mean()
    far = np.abs(frames[0][300:, 400:].astype(int) - first[300:, 400:]).mean()
    assert edge > 40 > 5 > far


def test_other_containers(tmp_path: Path, clip: Path, settings: Settings) -> None:
    result = make_result(list(_result_with_box(20)))
    for suffix in (".mkv", ".mov"):
        target = write_annotated(clip, result, tmp_path / f"out{suffix}", settings=settings)
        with av.open(str(target)) as out:
            assert sum(1 for _ in out.decode(video=0)) == 20


def test_unknown_suffix(tmp_path: Path, clip: Path) -> None:
    with pytest.raises(MediaError, match="use one of"):
        write_annotated(clip, make_result([]), tmp_path / "out.gif")
