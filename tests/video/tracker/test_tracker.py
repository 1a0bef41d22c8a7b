"""The tracker on synthetic boxes: steady faces, motion, misses, crossings, new people."""

from __future__ import annotations

import numpy as np
import pytest

from emokognition.video.tracker import MovingBox, Tracker, greedy_match
from emokognition.video.tracker.matching import similarity


def test_still_faces_keep_their_ids() -> None:
    tracker = Tracker()
    boxes = [(10.0, 10.0, 50.0, 50.0), (200.0, 40.0, 60.0, 60.0)]
    assert tracker.update(0.0, boxes) == [1, 2]
    assert tracker.update(0.2, boxes[::-1]) == [2, 1]
    assert tracker.update(0.4, [(12.0, 11.0, 50.0, 52.0)]) == [1]


def test_fast_motion_is_followed_by_velocity() -> None:
    """A face moving 0.9 box widths per sample barely overlaps its last box, yet keeps its id."""
    tracker = Tracker()
    ids = [tracker.update(t * 0.2, [(100.0 + 45.0 * t, 50.0, 50.0, 50.0)])[0] for t in range(8)]
    assert ids == [1] * 8


def test_short_miss_is_tolerated_long_miss_starts_a_new_track() -> None:
    tracker = Tracker(max_age=1.0, max_misses=0)
    box = [(10.0, 10.0, 50.0, 50.0)]
    assert tracker.update(0.0, box) == [1]
    assert tracker.update(0.2, []) == []
    assert tracker.update(0.8, box) == [1]  # unseen for 0.6 s
    assert tracker.update(2.5, box) == [2]  # unseen for 1.7 s: someone new


def test_at_a_sparse_sampling_a_few_missed_frames_are_tolerated() -> None:
    """At 1 fps a second is one frame: the track survives 3 analysed frames unseen."""
    tracker = Tracker(max_age=1.0, max_misses=3)
    box = [(10.0, 10.0, 50.0, 50.0)]
    assert tracker.update(0.0, box) == [1]
    for t in (1.0, 2.0, 3.0):
        assert tracker.update(t, []) == []
    assert tracker.update(4.0, box) == [1]
    for t in (5.0, 6.0, 7.0, 8.0):
        assert tracker.update(t, []) == []
    assert tracker.update(9.0, box) == [2]  # 4 frames and 5 s unseen: someone new


def test_a_crowd_moving_together_keeps_its_ids() -> None:
    """A pan moves a grid of 14 px faces 1.3 sides a sample, more than the overlap reaches."""
    tracker = Tracker()
    grid = [(200.0 + 40.0 * i, 40.0 + 40.0 * j) for i in range(6) for j in range(4)]
    seen: list[list[int]] = []
    for step in range(10):
        boxes = [(x - 18.0 * step, y + 3.0 * step, 14.0, 14.0) for x, y in grid]
        seen.append(tracker.update(step * 0.2, boxes))
    assert all(ids == seen[0] for ids in seen)


def test_people_crossing_keep_their_ids() -> None:
    """Two faces walk through each other; constant velocity keeps them apart."""
    tracker = Tracker()
    left_to_right, right_to_left = [], []
    for step in range(12):
        a = (40.0 + 30.0 * step, 100.0, 60.0, 60.0)
        b = (370.0 - 30.0 * step, 104.0, 60.0, 60.0)
        boxes = [a, b] if step % 2 else [b, a]  # detector order must not matter
        ids = tracker.update(step * 0.2, boxes)
        left_to_right.append(ids[0] if step % 2 else ids[1])
        right_to_left.append(ids[1] if step % 2 else ids[0])
    assert set(left_to_right) == {left_to_right[0]}
    assert set(right_to_left) == {right_to_left[0]}
    assert left_to_right[0] != right_to_left[0]


def test_new_face_far_away_gets_a_new_id() -> None:
    tracker = Tracker()
    tracker.update(0.0, [(10.0, 10.0, 50.0, 50.0)])
    assert tracker.update(0.2, [(10.0, 10.0, 50.0, 50.0), (400.0, 300.0, 50.0, 50.0)]) == [1, 2]


def test_a_much_larger_face_nearby_is_someone_else() -> None:
    tracker = Tracker()
    tracker.update(0.0, [(100.0, 100.0, 40.0, 40.0)])
    assert tracker.update(0.2, [(60.0, 150.0, 200.0, 200.0)]) == [2]


def test_time_must_not_go_back() -> None:
    tracker = Tracker()
    tracker.update(1.0, [])
    with pytest.raises(ValueError, match="time order"):
        tracker.update(0.5, [])


def test_deterministic() -> None:
    rng = np.random.default_rng(7)
    frames = [
        [(*tuple(float(v) for v in rng.uniform(0, 400, 2)), 50.0, 50.0) for _ in range(4)]
        for _ in range(30)
    ]
    runs = []
    for _ in range(2):
        tracker = Tracker()
        runs.append([tracker.update(i * 0.2, boxes) for i, boxes in enumerate(frames)])  # type: ignore[arg-type]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (np.zeros((0, 0)), []),
        (np.array([[0.9, 0.1], [0.8, 0.0]]), [(0, 0)]),
        (np.array([[0.5, 0.6], [0.7, 0.0]]), [(1, 0), (0, 1)]),
        (np.array([[0.5, 0.5], [0.5, 0.5]]), [(0, 0), (1, 1)]),
    ],
)
def test_greedy_match(scores: np.ndarray, expected: list[tuple[int, int]]) -> None:
    assert greedy_match(scores.astype(np.float64)) == expected


def test_similarity_prefers_overlap_then_closeness() -> None:
    predicted = np.array([[0.0, 0.0, 10.0, 10.0]])
    detected = np.array([[1.0, 1.0, 10.0, 10.0], [12.0, 0.0, 10.0, 10.0], [100.0, 0, 10, 10]])
    scores = similarity(predicted, detected, min_iou=0.3, max_distance=1.5)
    assert scores[0, 0] > 0.3 > scores[0, 1] > 0.0 == scores[0, 2]


def test_moving_box_predicts_constant_velocity() -> None:
    box = MovingBox((0.0, 0.0, 10.0, 10.0), 0.0)
    box.update((10.0, 0.0, 10.0, 10.0), 1.0)
    np.testing.assert_allclose(box.predict(2.0), [20.0, 0.0, 10.0, 10.0])
