"""The crowd set made from the shared photos, recall by face size, and `eval faces` with it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.cli import main
from emokognition.config import Settings
from emokognition.evaluation.crowd import crowd_set, pack
from emokognition.evaluation.detection import (
    LabelledImage,
    evaluate_images,
    greedy_matches,
    load_labelled,
    matched_labels,
)
from emokognition.vision.faces import Detection
from tests.shared import PHOTOS


@pytest.fixture(scope="module")
def photos() -> list[LabelledImage]:
    return load_labelled(PHOTOS, Settings())


@dataclass
class LabelDetector:
    """Finds exactly the labelled faces whose side is at least `smallest`: a detector whose
    recall per size is known, to check the bookkeeping (not a model)."""

    pictures: dict[int, NDArray[np.float64]]
    smallest: float = 0.0
    name: str = "labels"

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        boxes = self.pictures[id(image_bgr)]
        keep = np.sqrt(boxes[:, 2] * boxes[:, 3]) >= self.smallest
        return [Detection(box=tuple(b), score=1.0) for b in boxes[keep].tolist()]


def test_crowd_pictures_have_their_faces_inside_and_of_16_px_and_more(
    photos: list[LabelledImage],
) -> None:
    pictures = crowd_set(photos)
    assert [p.pixels.shape for p in pictures] == [(2000, 3000, 3)] * 6
    for picture, smallest in zip(pictures, (16, 20, 24, 32, 40), strict=False):
        sides = np.sqrt(picture.boxes[:, 2] * picture.boxes[:, 3])
        assert sides.min() == pytest.approx(smallest, abs=0.2)
        assert sides.max() < 1.5 * smallest
        assert len(picture.boxes) > 100
    for picture in pictures:
        x, y, w, h = picture.boxes.T
        assert (x >= 0).all() and (y >= 0).all() and (x + w <= 3000).all() and (y + h <= 2000).all()
    again = crowd_set(photos)
    assert all(np.array_equal(a.pixels, b.pixels) for a, b in zip(pictures, again, strict=True))


def test_a_crowd_needs_faces_and_a_background(photos: list[LabelledImage]) -> None:
    with pytest.raises(ValueError, match="one without"):
        crowd_set([p for p in photos if len(p.boxes)])


def test_recall_is_counted_per_face_size(photos: list[LabelledImage]) -> None:
    background = next(p for p in photos if not len(p.boxes))
    mixed = [
        pack([p for p in photos if len(p.boxes)], background, smallest_face=side, size=(1500, 1000))
        for side in (20, 60)
    ] + list(photos)
    detector = LabelDetector({id(p.pixels): p.boxes for p in mixed}, smallest=32.0)
    report = evaluate_images(detector, mixed)
    small, medium, large = report.sizes
    assert (small.name, medium.name, large.name) == ("small", "medium", "large")
    assert small.truth > 0 and small.matched == 0
    assert medium.recall == 1.0 and large.recall == 1.0
    assert report.recall_from(32) == 1.0 and report.precision == 1.0
    assert report.faces_per_second > 0
    assert small.truth + medium.truth + large.truth == sum(len(p.boxes) for p in mixed)


@pytest.mark.parametrize("seed", range(5))
def test_label_matching_is_one_to_one_best_first(seed: int) -> None:
    overlap = np.random.default_rng(seed).random((30, 25))
    hits = matched_labels(overlap, 0.4)
    assert hits.sum() == greedy_matches(overlap, 0.4) <= 25
    assert matched_labels(np.zeros((3, 0)), 0.4).tolist() == [False] * 3


def test_eval_faces_compares_detectors(capsys: pytest.CaptureFixture[str]) -> None:
    pyramid = ("--min-face", "16")
    code = main(
        ["eval", "faces", str(PHOTOS), "-d", "blazeface", "-d", "haar", *pyramid, "-f", "json"]
    )
    assert code == 0
    entries = json.loads(capsys.readouterr().out)["detectors"]
    assert [e["detector"] for e in entries] == ["blazeface", "haar"]
    blazeface, haar = entries
    assert blazeface["recall"] == 1.0 and blazeface["faces_on_empty"] == 0
    assert blazeface["recall"] > haar["recall"]
    assert blazeface["sizes"]["medium"]["truth"] == 18 and blazeface["faces_per_second"] > 0
    assert main(["eval", "faces", str(PHOTOS), "-d", "blazeface", "-d", "haar", *pyramid]) == 0
    table = capsys.readouterr().out
    assert "faces/s" in table and "<32 px" in table and table.count("photos") >= 3
