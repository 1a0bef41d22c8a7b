"""Classifier crops turned so the eyes are level, on a real portrait turned by hand."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.vision.blazeface import BlazeFace
from emokognition.vision.crops import Point, aligned_crop, eye_angle, face_crops
from emokognition.vision.faces import Box
from tests.shared import PHOTOS

# The eye centres of obama_portrait.jpg, read off the photo: his right eye (image left) first.
EYES = ((445.0, 212.0), (550.0, 211.0))


@pytest.fixture(scope="module")
def portrait() -> NDArray[np.uint8]:
    image = cv2.imread(str(PHOTOS / "obama_portrait.jpg"))
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def detector() -> BlazeFace:
    return BlazeFace()


def turned(
    image: NDArray[np.uint8], centre: Point, angle: float, points: tuple[Point, ...]
) -> tuple[NDArray[np.uint8], tuple[Point, ...]]:
    """The photo turned counter-clockwise by `angle` degrees about `centre`, and the points."""
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    size = (image.shape[1], image.shape[0])
    out = cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REPLICATE)
    moved = np.c_[np.array(points), np.ones(len(points))] @ matrix.T
    return np.asarray(out, dtype=np.uint8), tuple((float(x), float(y)) for x, y in moved)


def gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def difference(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> float:
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean())


@pytest.mark.parametrize(
    ("right", "left", "expected"),
    [((0, 0), (10, 0), 0.0), ((0, 0), (10, 10), 45.0), ((0, 10), (10, 0), -45.0)],
)
def test_eye_angle(right: Point, left: Point, expected: float) -> None:
    assert eye_angle(right, left) == pytest.approx(expected)


@pytest.mark.parametrize("angle", [20.0, -20.0, 12.0])
def test_alignment_levels_a_turned_face(
    portrait: NDArray[np.uint8], detector: BlazeFace, angle: float
) -> None:
    """Turn the photo, detect the face again: the aligned crop is much closer to the upright
    crop than the plain crop of the turned face is."""
    (upright,) = detector.detect(portrait)
    x, y, w, h = upright.box
    image, eyes = turned(portrait, (x + w / 2, y + h / 2), angle, EYES)
    (found,) = detector.detect(image)
    assert eye_angle(*eyes) == pytest.approx(-angle + eye_angle(*EYES), abs=1e-6)
    reference = face_crops(gray(portrait), [upright.box])[0]
    plain = face_crops(gray(image), [found.box])[0]
    aligned = face_crops(gray(image), [found.box], keypoints=[eyes])[0]
    assert difference(aligned, reference) < 0.7 * difference(plain, reference)


@pytest.mark.parametrize("angle", [20.0, -20.0])
def test_blazeface_eyes_level_a_turned_face(
    portrait: NDArray[np.uint8], detector: BlazeFace, angle: float
) -> None:
    """The same, with the eyes the detector gives instead of the ones read off the photo."""
    (upright,) = detector.detect(portrait)
    x, y, w, h = upright.box
    image, _ = turned(portrait, (x + w / 2, y + h / 2), angle, EYES)
    (found,) = detector.detect(image)
    eyes = tuple(getattr(found, "keypoints", ()))[:2]
    assert eye_angle(*eyes) == pytest.approx(-angle, abs=5.0)
    reference = face_crops(gray(portrait), [upright.box])[0]
    plain = face_crops(gray(image), [found.box])[0]
    aligned = face_crops(gray(image), [found.box], keypoints=[eyes])[0]
    assert difference(aligned, reference) < 0.7 * difference(plain, reference)


def test_level_eyes_give_the_upright_crop(portrait: NDArray[np.uint8]) -> None:
    box: Box = (349.0, 142.0, 268.0, 267.0)
    level = ((445.0, 212.0), (550.0, 212.0))
    upright = face_crops(gray(portrait), [box])[0]
    aligned = face_crops(gray(portrait), [box], keypoints=[level])[0]
    # Only a second resample (one bilinear pass on a detailed photo): no turn, no shift.
    assert difference(aligned, upright) < 5.0


def test_a_uniform_patch_stays_uniform_when_turned() -> None:
    image = np.zeros((300, 300), dtype=np.uint8)
    image[60:240, 60:240] = 200
    crop = aligned_crop(image, (120.0, 120.0, 60.0, 60.0), 30.0, 64, 0.1)
    assert crop.shape == (64, 64) and (crop == 200).all()


def test_aligned_crops_at_the_edges_repeat_the_border() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (120, 200), dtype=np.uint8)
    boxes: list[Box] = [(0.0, 0.0, 30.0, 30.0), (180.0, 100.0, 50.0, 50.0), (50.0, 20.0, 2.0, 2.0)]
    eyes: list[tuple[Point, ...]] = [
        ((5, 10), (25, 20)),
        ((185, 110), (200, 100)),
        ((50, 20), (52, 21)),
    ]
    crops = face_crops(image, boxes, keypoints=eyes)
    assert crops.shape == (3, 64, 64) and crops.dtype == np.uint8


def test_boxes_without_two_keypoints_keep_the_upright_crop(portrait: NDArray[np.uint8]) -> None:
    boxes: list[Box] = [(349.0, 142.0, 268.0, 267.0), (100.0, 100.0, 80.0, 80.0)]
    image = gray(portrait)
    upright = face_crops(image, boxes)
    np.testing.assert_array_equal(face_crops(image, boxes, keypoints=[(), ((1.0, 2.0),)]), upright)
    with pytest.raises(ValueError, match="keypoints for 2 boxes, got 1"):
        face_crops(image, boxes, keypoints=[EYES])
