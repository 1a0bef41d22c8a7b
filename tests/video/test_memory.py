"""Decoded frames bounded by the process's memory budget: fewer waiting, smaller batches, one
at a time, or refused; the same faces whichever way a video is run."""

from __future__ import annotations

from pathlib import Path

import pytest

from emokognition.config import Settings
from emokognition.errors import MediaTooLarge
from emokognition.media.budget import MB
from emokognition.video import VideoOptions, analyze_video
from emokognition.video.memory import QUEUE_FRAMES, FrameMemory
from emokognition.video.plan import BATCH_FRAMES
from emokognition.vision.analyzer import Analyzer


@pytest.mark.parametrize(
    ("width", "height", "queue", "chunk"),
    [
        (1280, 720, QUEUE_FRAMES, BATCH_FRAMES),  # 2.8 MB a frame: everything fits
        (3840, 2160, 3, BATCH_FRAMES),  # 4K, 25 MB: fewer waiting, the plan's batches
        (5120, 2880, 3, 2),  # 44 MB: smaller batches
        (7680, 4320, 0, 1),  # 8K, 100 MB: one frame at a time, no decode thread
    ],
)
def test_frames_kept_within_the_budget(width: int, height: int, queue: int, chunk: int) -> None:
    memory = FrameMemory.within(width, height, 360 * MB)
    assert (memory.queue, memory.chunk) == (queue, chunk)
    assert memory.held <= 360 * MB
    assert memory.frames == queue + chunk + (1 if queue else 0)


def test_one_frame_at_a_time_finds_the_same_faces(analyzer: Analyzer, clip: Path) -> None:
    small = Settings(decode_memory_mb=3)  # 600 KB frames: one at a time
    assert FrameMemory.within(596, 336, 3 * MB).queue == 0
    options = VideoOptions(every=1)
    default = analyze_video(clip, options, analyzer=analyzer)
    bounded = analyze_video(clip, options, analyzer=analyzer, settings=small)
    assert [f.index for f in bounded.frames] == [f.index for f in default.frames]
    assert [[face.box for face in f.faces] for f in bounded.frames] == [
        [face.box for face in f.faces] for f in default.frames
    ]
    assert [t.main for t in bounded.tracks] == [t.main for t in default.tracks]


def test_a_video_whose_one_frame_exceeds_the_budget_is_refused(
    analyzer: Analyzer, clip: Path
) -> None:
    with pytest.raises(MediaTooLarge, match=r"decoding its frames needs about 2 MB, more than"):
        analyze_video(clip, analyzer=analyzer, settings=Settings(decode_memory_mb=1))
