"""Batches are the same whatever the workers; segments cut anywhere between batches, of equal
cost, decoding from the keyframe before them."""

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


def test_segments_cover_the_video_and_decode_from_a_keyframe() -> None:
    index = _index(300, 30)
    plan = Plan.build(index, Sampling(every=2), workers=6, batch=8)
    assert len(plan.segments) == 6
    assert plan.segments[0].start == 0 and plan.segments[-1].stop == 300
    for before, after in zip(plan.segments, plan.segments[1:], strict=False):
        assert before.stop == after.start
    for segment in plan.segments:
        assert index.keyframes[segment.decode_from]
        assert segment.start - 30 < segment.decode_from <= segment.start
    assert sum(s.samples for s in plan.segments) == plan.samples == 150


def test_batches_are_the_same_for_any_workers() -> None:
    index = _index(450, 90)
    one = Plan.build(index, Sampling(every=6))
    assert len(one.segments) == 1
    for workers in (2, 4, 8):
        many = Plan.build(index, Sampling(every=6), workers=workers)
        assert (many.batch_starts == one.batch_starts).all()
        assert (many.batch_sizes == one.batch_sizes).all()


def test_few_keyframes_still_balance_the_workers() -> None:
    """5 keyframes in 450 frames: cut at keyframes only, 4 workers got 1 to 3 of them."""
    index = _index(450, 90)
    for workers in (2, 4, 8):
        segments = Plan.build(index, Sampling(every=2), workers=workers).segments
        costs = [s.cost for s in segments]
        assert len(segments) == workers
        assert max(costs) <= 1.3 * (sum(costs) / len(costs))


def test_batches_stay_inside_segments() -> None:
    plan = Plan.build(_index(300, 30), Sampling(every=2), workers=4, batch=8)
    stops = {s.stop for s in plan.segments}
    chosen = np.flatnonzero(plan.selected)
    assert int(plan.batch_sizes.sum()) == len(chosen)
    assert (plan.batch_sizes <= 8).all()
    for start, size in zip(plan.batch_starts, plan.batch_sizes, strict=True):
        members = chosen[(chosen >= start)][:size]
        assert not any(members[0] < stop <= members[-1] for stop in stops)
        assert all(plan.batch_of(int(m)) == plan.batch_of(int(start)) for m in members)


def test_one_worker_makes_one_segment() -> None:
    plan = Plan.build(_index(100, 1000), Sampling(every=1))
    assert len(plan.segments) == 1 and plan.segments[0].samples == 100


def test_empty_video() -> None:
    plan = Plan.build(_index(0, 10), Sampling(fps=5))
    assert plan.segments == () and plan.samples == 0
