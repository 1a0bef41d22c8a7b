"""Segments start at keyframes and batches never span two segments, whatever the workers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from emokognition.video.plan import Plan
from emokognition.video.probe import FrameIndex
from emokognition.video.sampling import Sampling


def _index(frames: int, keyframe_every: int) -> FrameIndex:
    keyframes = np.arange(frames) % keyframe_every == 0
    return FrameIndex(
        pts=np.arange(frames, dtype=np.int64) * 512,
        keyframes=keyframes,
        time_base=Fraction(1, 15360),
    )


def test_segments_cover_the_video_and_start_at_keyframes() -> None:
    index = _index(300, 30)
    plan = Plan.build(index, Sampling(every=2), batch=8, segment=16)
    assert plan.segments[0].start == 0 and plan.segments[-1].stop == 300
    for before, after in zip(plan.segments, plan.segments[1:], strict=False):
        assert before.stop == after.start
        assert index.keyframes[after.start]
    assert sum(s.samples for s in plan.segments) == plan.samples == 150


def test_batches_stay_inside_segments() -> None:
    plan = Plan.build(_index(300, 30), Sampling(every=2), batch=8, segment=16)
    stops = {s.stop for s in plan.segments}
    chosen = np.flatnonzero(plan.selected)
    assert int(plan.batch_sizes.sum()) == len(chosen)
    assert (plan.batch_sizes <= 8).all()
    for start, size in zip(plan.batch_starts, plan.batch_sizes, strict=True):
        members = chosen[(chosen >= start)][:size]
        assert not any(members[0] < stop <= members[-1] for stop in stops)
        assert all(plan.batch_of(int(m)) == plan.batch_of(int(start)) for m in members)


def test_one_keyframe_makes_one_segment() -> None:
    plan = Plan.build(_index(100, 1000), Sampling(every=1))
    assert len(plan.segments) == 1 and plan.segments[0].samples == 100


def test_empty_video() -> None:
    plan = Plan.build(_index(0, 10), Sampling(fps=5))
    assert plan.segments == () and plan.samples == 0
