"""Boxes, crops and NMS: properties that must hold for any input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emokognition.vision.boxes import iou_matrix, iou_one_to_many
from emokognition.vision.crops import face_crops, square_box
from emokognition.vision.ssd import FULL_RANGE, SHORT_RANGE, weighted_nms

sizes = st.integers(min_value=1, max_value=2000)
coords = st.floats(min_value=-500, max_value=2500, allow_nan=False)
extents = st.floats(min_value=0.5, max_value=1500, allow_nan=False)


@given(
    x=coords,
    y=coords,
    w=extents,
    h=extents,
    width=sizes,
    height=sizes,
    margin=st.floats(min_value=0, max_value=1),
)
def test_square_box_stays_inside_the_image(
    x: float, y: float, w: float, h: float, width: int, height: int, margin: float
) -> None:
    x0, y0, x1, y1 = square_box((x, y, w, h), margin, width, height)
    assert 0 <= x0 < x1 <= width
    assert 0 <= y0 < y1 <= height


@given(
    x=st.floats(300, 600), y=st.floats(300, 600), side=st.floats(10, 200), margin=st.floats(0, 0.5)
)
def test_square_box_is_square_and_centred_away_from_edges(
    x: float, y: float, side: float, margin: float
) -> None:
    x0, y0, x1, y1 = square_box((x, y, side, side * 0.8), margin, 2000, 2000)
    assert abs((x1 - x0) - (y1 - y0)) <= 1
    assert x1 - x0 >= side * (1 + 2 * margin) - 1e-6
    assert abs((x0 + x1) / 2 - (x + side / 2)) <= 1
    assert abs((y0 + y1) / 2 - (y + side * 0.4)) <= 1


def test_crops_have_the_classifier_shape_even_at_edges() -> None:
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (120, 200), dtype=np.uint8)
    boxes = [(0.0, 0.0, 30.0, 30.0), (180.0, 100.0, 50.0, 50.0), (50.0, 20.0, 2.0, 2.0)]
    crops = face_crops(gray, boxes, size=64)
    assert crops.shape == (3, 64, 64) and crops.dtype == np.uint8
    assert face_crops(gray, [], size=64).shape == (0, 64, 64)


def test_crop_of_a_uniform_patch_is_uniform() -> None:
    gray = np.zeros((300, 300), dtype=np.uint8)
    gray[100:200, 100:200] = 200
    crop = face_crops(gray, [(120.0, 120.0, 60.0, 60.0)], size=64, margin=0.1)[0]
    assert (crop == 200).all()


boxes_st = st.lists(
    st.tuples(st.floats(0, 500), st.floats(0, 500), st.floats(1, 200), st.floats(1, 200)),
    min_size=1,
    max_size=8,
)


@given(a=boxes_st, b=boxes_st)
def test_iou_is_symmetric_and_bounded(
    a: list[tuple[float, ...]], b: list[tuple[float, ...]]
) -> None:
    ab = iou_matrix(np.array(a), np.array(b))
    ba = iou_matrix(np.array(b), np.array(a))
    assert ab.shape == (len(a), len(b))
    np.testing.assert_allclose(ab, ba.T, atol=1e-9)
    assert ((ab >= 0) & (ab <= 1 + 1e-9)).all()
    np.testing.assert_allclose(np.diag(iou_matrix(np.array(a), np.array(a))), 1.0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 10, 10), 50 / 150),
        ((0, 0, 10, 10), (10, 10, 5, 5), 0.0),
        ((0, 0, 10, 10), (2, 2, 5, 5), 25 / 100),
    ],
)
def test_iou_values(a: tuple[int, ...], b: tuple[int, ...], expected: float) -> None:
    assert iou_matrix(np.array([a], float), np.array([b], float))[0, 0] == pytest.approx(expected)
    corners = np.array([b[0], b[1], b[0] + b[2], b[1] + b[3]], np.float32)
    one = np.array([a[0], a[1], a[0] + a[2], a[1] + a[3]], np.float32)
    assert iou_one_to_many(one, corners[None])[0] == pytest.approx(expected, abs=1e-6)


def test_anchor_counts_match_the_models() -> None:
    assert SHORT_RANGE.anchors().shape == (896, 2)
    assert FULL_RANGE.anchors().shape == (2304, 2)
    anchors = SHORT_RANGE.anchors()
    # First layer: 16x16 cells, 2 anchors each, row-major from the top-left cell.
    np.testing.assert_allclose(anchors[0], [4.0, 4.0])  # centres in input pixels
    np.testing.assert_allclose(anchors[1], anchors[0])
    np.testing.assert_allclose(anchors[2], [12.0, 4.0])
    # Second grid: 8x8 cells, 6 anchors each (three layers of stride 16, two per layer).
    np.testing.assert_allclose(anchors[512:518], [[8.0, 8.0]] * 6)
    # A 16:9 photo runs at 192x128 (fully convolutional): a 48x32 grid, as many outputs.
    assert FULL_RANGE.anchors(128, 192).shape == (48 * 32, 2)


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=np.float32)
    scores = np.array([0.9, 0.6, 0.8], dtype=np.float32)
    merged, kept = weighted_nms(boxes, scores, 0.3)
    assert kept.tolist() == pytest.approx([0.9, 0.8])
    np.testing.assert_allclose(merged[0], [0.4, 0.4, 10.4, 10.4], atol=1e-5)
    np.testing.assert_allclose(merged[1], boxes[2])
    empty_boxes, empty_scores = weighted_nms(boxes[:0], scores[:0], 0.3)
    assert empty_boxes.shape == (0, 4) and empty_scores.shape == (0,)
