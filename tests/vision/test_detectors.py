"""Every detector on real photos with hand-labelled boxes."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import DETECTORS, Settings
from emokognition.evaluation.detection import evaluate_detector, greedy_matches
from emokognition.media.load import load_image
from emokognition.vision.boxes import iou_matrix
from emokognition.vision.detectors import FaceDetector, create_detector
from emokognition.vision.haar import HaarDetector
from tests.shared import PHOTOS, labelled_boxes


@pytest.fixture(scope="module", params=DETECTORS)
def detector(request: pytest.FixtureRequest) -> FaceDetector:
    return create_detector(request.param)


def _pixels(name: str) -> NDArray[np.uint8]:
    return load_image(PHOTOS / name, Settings()).pixels


def test_portrait_face_is_found_where_labelled(detector: FaceDetector) -> None:
    found = detector.detect(_pixels("obama_portrait.jpg"))
    truth = np.array(labelled_boxes()["obama_portrait.jpg"], dtype=np.float64)
    assert len(found) >= 1
    best = iou_matrix(truth, np.array([d.box for d in found])).max()
    assert best >= 0.4, (detector.name, found)


@pytest.mark.parametrize("name", ["justin_portrait.jpg", "alex_lacamoire_portrait.png"])
def test_single_portraits_have_one_face(detector: FaceDetector, name: str) -> None:
    assert len(detector.detect(_pixels(name))) == 1


def test_detections_lie_inside_the_image(detector: FaceDetector) -> None:
    pixels = _pixels("2008_002079.jpg")
    height, width = pixels.shape[:2]
    for d in detector.detect(pixels):
        x, y, w, h = d.box
        assert x >= 0 and y >= 0 and x + w <= width + 1e-3 and y + h <= height + 1e-3
        assert 0 <= d.score <= 1


def test_blank_image_has_no_face(detector: FaceDetector) -> None:
    assert detector.detect(np.full((480, 640, 3), 127, dtype=np.uint8)) == []


def test_the_pyramid_meets_the_recall_target() -> None:
    """A pyramid for faces of 16 px and more (`EMOKOGNITION_MIN_FACE=16`) finds every labelled
    face, and none on the horses."""
    detector = create_detector("blazeface", min_face=16)
    report = evaluate_detector(detector, PHOTOS, Settings(), iou=0.4)
    assert report.recall == 1.0, report.to_dict()
    assert report.faces_on_empty == 0, report.to_dict()


def test_tiles_find_the_small_face_one_whole_image_pass_misses() -> None:
    pixels = _pixels("2008_002079.jpg")  # six faces of 37 to 53 px in a 500 px wide photo
    truth = np.array(labelled_boxes()["2008_002079.jpg"], dtype=np.float64)

    def matched(detector: FaceDetector) -> int:
        found = np.array([d.box for d in detector.detect(pixels)]).reshape(-1, 4)
        return greedy_matches(iou_matrix(truth, found), 0.4)

    assert matched(create_detector("blazeface", min_face=0)) == len(truth) - 1
    assert matched(create_detector("blazeface", min_face=0, tiles=2)) == len(truth)


def test_haar_retries_with_relaxed_parameters_only_when_nothing_is_found() -> None:
    """The strict pass finds nothing on the horses; the adaptive one, assuming a face is there,
    relaxes until it reports one (the original bot's trade-off, and why haar is not default)."""
    pixels = _pixels("horses_noface.jpg")
    strict = HaarDetector(adaptive=False).detect(pixels)
    adaptive = HaarDetector().detect(pixels)
    assert strict == []
    assert len(adaptive) >= 1
    portrait = _pixels("obama_portrait.jpg")
    assert HaarDetector().detect(portrait) == HaarDetector(adaptive=False).detect(portrait)
