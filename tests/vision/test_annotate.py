"""Labels that stay readable with many faces: beside their box, over no other face or label,
inside the picture, shortened to a number where the full text does not fit; on a real crowd
made from the shared photos, and in the picture `--annotate` writes."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.evaluation.crowd import pack
from emokognition.evaluation.detection import LabelledImage, load_labelled
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.annotate import Style, draw_faces, face_texts, layout
from emokognition.vision.faces import Face
from emokognition.vision.labels import Label, Rect, overlaps, place_labels
from tests.shared import PHOTOS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "annotate"


def _fixed(index: int, text: str) -> tuple[float, float]:
    """Labels 8 px per character, 12 px high."""
    return 8.0 * len(text), 12.0


def _inside(rect: Rect, width: int, height: int) -> bool:
    x, y, w, h = rect
    return x >= 0 and y >= 0 and x + w <= width and y + h <= height


@pytest.mark.parametrize(
    ("boxes", "size", "expected"),
    [
        # room above: the full text, left-aligned over the box
        ([(50, 50, 20, 20)], (200, 100), [("1 happy", (50, 38, 56, 12))]),
        # at the top edge: below the box instead
        ([(50, 0, 20, 20)], (200, 100), [("1 happy", (50, 20, 56, 12))]),
        # at the right edge: moved left to stay inside
        ([(180, 50, 20, 20)], (200, 100), [("1 happy", (144, 38, 56, 12))]),
        # a tall neighbour where 1's full text would go: 1 gets its number, 2 goes below
        (
            [(10, 30, 20, 20), (40, 10, 20, 50)],
            (200, 100),
            [("1", (10, 18, 8, 12)), ("2 happy", (40, 60, 56, 12))],
        ),
    ],
)
def test_a_label_goes_beside_its_box_shortened_or_moved(
    boxes: list[Rect], size: tuple[int, int], expected: list[tuple[str, Rect]]
) -> None:
    texts = [(f"{i} happy", f"{i}") for i in range(1, len(boxes) + 1)]
    labels = place_labels(boxes, texts, *size, _fixed)
    assert [(label.text, label.rect) for label in labels] == expected
    _assert_readable(labels, boxes, *size)


def test_a_label_with_no_room_anywhere_says_it_covers() -> None:
    (label,) = place_labels([(0, 0, 40, 40)], [("1 happy", "1")], 40, 40, _fixed)
    assert label.covers and label.text == "1" and _inside(label.rect, 40, 40)


def test_every_face_needs_a_text() -> None:
    with pytest.raises(ValueError, match="one or more texts per box"):
        place_labels([(0, 0, 10, 10)], [()], 100, 100, _fixed)
    with pytest.raises(ValueError, match="one or more texts per box"):
        place_labels([(0, 0, 10, 10)], [], 100, 100, _fixed)


def test_a_dense_grid_of_faces_gets_numbers_placed_apart() -> None:
    """64 faces of 16 px, 4 px apart: only the grid's edge has room for a full text; inside
    it the numbers stand a little away from their faces, over none."""
    grid = itertools.product(range(8), repeat=2)
    boxes: list[Rect] = [(20.0 + 20 * i, 20.0 + 20 * j, 16.0, 16.0) for i, j in grid]
    texts = [(f"{n} neutral 80% / happy", str(n)) for n in range(1, 65)]
    labels = place_labels(boxes, texts, 400, 400, lambda i, t: (5.0 * len(t), 8.0))
    assert sum(label.full for label in labels) <= 28  # the edge's faces at most
    assert sum(label.apart for label in labels) >= 36 - 28
    _assert_readable(labels, boxes, 400, 400)


def _assert_readable(labels: list[Label], boxes: list[Rect], width: int, height: int) -> None:
    """No label covers a face (its own included), another label, or leaves the picture."""
    assert [label.face for label in labels] == list(range(len(boxes)))
    for label in labels:
        assert not label.covers
        assert _inside(label.rect, width, height), label
        assert not any(overlaps(label.rect, box) for box in boxes), label
    for a, b in itertools.combinations(labels, 2):
        assert not overlaps(a.rect, b.rect), (a, b)


@pytest.fixture(scope="module")
def photos() -> list[LabelledImage]:
    return load_labelled(PHOTOS, Settings())


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(settings=Settings())


@pytest.mark.parametrize(("smallest", "size"), [(24, (1600, 1000)), (60, (1600, 1000))])
def test_labels_on_a_real_crowd_cover_no_face_and_stay_inside(
    photos: list[LabelledImage],
    analyzer: Analyzer,
    smallest: int,
    size: tuple[int, int],
) -> None:
    """The shared photos packed into a crowd (`evaluation.crowd.pack`), faces found by the
    default detector: every label beside its face or near it, the crowded ones a number;
    the annotated picture (saved to artifacts/annotate/ to look at) lists those under it."""
    background = next(p for p in photos if not len(p.boxes))
    crowd = pack([p for p in photos if len(p.boxes)], background, smallest_face=smallest, size=size)
    faces = analyzer.faces(crowd.pixels)
    assert len(faces) >= 0.9 * len(crowd.boxes)
    labels = layout(crowd.pixels.shape, faces, Style.of(*size))
    _assert_readable(labels, [face.box for face in faces], *size)
    assert sum(label.full for label in labels) >= len(labels) // 4  # most faces keep a text
    assert any(not label.full for label in labels)  # and the crowded ones a number
    annotated = draw_faces(crowd.pixels, faces, legend=True)
    assert annotated.shape[1] == size[0] and annotated.shape[0] > size[1]  # the legend
    assert np.array_equal(draw_faces(crowd.pixels, faces).shape, crowd.pixels.shape)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(ARTIFACTS / f"crowd_{smallest}px.png"), annotated)


def test_a_photo_with_room_keeps_every_full_label(
    photos: list[LabelledImage], analyzer: Analyzer
) -> None:
    """The party photo's seven faces: full labels, no legend, nothing over a face."""
    party = next(p for p in photos if p.name == "2007_007763.jpg")
    faces = analyzer.faces(party.pixels)
    labels = layout(party.pixels.shape, faces, Style.of(500, 375))
    assert len(labels) == 7 and all(label.full for label in labels)
    _assert_readable(labels, [face.box for face in faces], 500, 375)
    assert draw_faces(party.pixels, faces, legend=True).shape == party.pixels.shape


def test_face_texts_go_from_the_full_label_to_the_number(analyzer: Analyzer) -> None:
    pixels: NDArray[np.uint8] = load_labelled(PHOTOS, Settings())[0].pixels
    face: Face = analyzer.faces(pixels)[0]
    full, short, number = face_texts(3, face)
    assert full.startswith(f"3 {face.main} ") and full.endswith(f"/ {face.alternative}")
    assert (short, number) == (f"3 {face.main}", "3")
