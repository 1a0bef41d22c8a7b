"""BlazeFace's pyramid: the levels and tiles for a picture size, small faces found in large
pictures, and pictures of every shape and kind through every detector."""

from __future__ import annotations

import itertools
import logging
from contextlib import AbstractContextManager, nullcontext

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import DETECTORS, Settings
from emokognition.evaluation.detection import greedy_matches
from emokognition.media.load import load_image
from emokognition.vision.blazeface import BlazeFace
from emokognition.vision.boxes import iou_matrix
from emokognition.vision.detectors import FaceDetector, create_detector
from emokognition.vision.windows import plan_levels, tile_grid
from tests.shared import PHOTOS, labelled_boxes
from tests.video.media import WOMAN, read_frames

GROUP = "2008_002079.jpg"  # six faces of 37 to 53 px in a 500x375 photo
PARTY = "2007_007763.jpg"  # seven faces of 37 to 45 px in a 500x375 photo


def _pixels(name: str) -> NDArray[np.uint8]:
    return load_image(PHOTOS / name, Settings()).pixels


def _matched(found: list[tuple[float, float, float, float]], truth: NDArray[np.float64]) -> int:
    return greedy_matches(iou_matrix(truth, np.array(found).reshape(-1, 4)), 0.4)


@pytest.mark.parametrize(
    ("size", "min_face", "sides", "capped", "expectation"),
    [
        ((640, 480), 16, [800, 200], False, nullcontext()),
        ((1280, 720), 16, [1600, 400, 192], False, nullcontext()),
        ((3000, 2000), 16, [3750, 938, 234], False, nullcontext()),
        ((3000, 2000), 4, [4243, 1061, 265], True, nullcontext()),  # 12 M input pixels at most
        ((200, 150), 16, [250], False, nullcontext()),  # one level does both ends
        ((16, 16), 16, [192], False, nullcontext()),  # tiny: scaled up to the trained size
        # 1562x16 and coarser are thinner than a face the model finds: left out
        ((20000, 200), 16, [25000, 6250], False, nullcontext()),
        ((200, 20000), 16, [25000, 6250], False, nullcontext()),
        ((640, 480), 0, [], False, pytest.raises(ValueError, match="must be > 0")),
        ((0, 480), 16, [], False, pytest.raises(ValueError, match=">= 1")),
    ],
)
def test_levels_bring_the_smallest_face_to_the_models_reach(
    size: tuple[int, int],
    min_face: int,
    sides: list[int],
    capped: bool,
    expectation: AbstractContextManager[object],
) -> None:
    with expectation:
        plan = plan_levels(*size, min_face=min_face, reach=20, base=192, max_pixels=12_000_000)
        assert [max(level.width, level.height) for level in plan.levels] == sides
        assert plan.capped == capped
        assert plan.min_face == pytest.approx(20 / plan.levels[0].scale)
        assert (plan.min_face > min_face) == capped
        assert all(level.width * level.height <= 12_000_000 for level in plan.levels)


@pytest.mark.parametrize("length", [1, 31, 192, 1024, 1025, 1600, 3750, 25000])
def test_tiles_cover_the_level_with_overlap(length: int) -> None:
    size, offsets = tile_grid(length, 1024, 128, 32)
    assert size % 32 == 0 and size <= max(1024, -(-length // 32) * 32)
    assert offsets[0] == 0 and offsets[-1] + size >= length
    overlaps = [a + size - b for a, b in itertools.pairwise(offsets)]
    assert all(overlap >= 128 for overlap in overlaps)


def test_the_pyramid_finds_the_small_face_one_192_pass_misses() -> None:
    pixels = _pixels(GROUP)
    truth = np.array(labelled_boxes()[GROUP], dtype=np.float64)
    single = BlazeFace().detect(pixels)
    assert _matched([d.box for d in single], truth) == len(truth) - 1
    pyramid = BlazeFace(min_face=16).detect(pixels)
    assert _matched([d.box for d in pyramid], truth) == len(truth)


def _crowd_of(
    name: str, *, face: float, copies: int
) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """A labelled photo shrunk so its smallest face is `face` px, tiled copies x copies, and
    the boxes of every copy's faces."""
    photo = _pixels(name)
    truth = np.array(labelled_boxes()[name], dtype=np.float64)
    scale = face / np.sqrt(truth[:, 2] * truth[:, 3]).min()
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    picture = np.ascontiguousarray(np.tile(np.asarray(small, dtype=np.uint8), (copies, copies, 1)))
    boxes = np.concatenate(
        [truth * scale + [x * w, y * h, 0, 0] for y in range(copies) for x in range(copies)]
    )
    return picture, boxes


def _levels_searched(detector: BlazeFace, pixels: NDArray[np.uint8]) -> int:
    return detector.search([pixels])[0].levels


def test_faces_of_20_px_in_a_large_picture_are_all_found_once() -> None:
    """A group photo shrunk so its seven faces are 20 to 24 px, tiled 6x6 into a 1620x1218
    picture: the finest level (2025x1523) is cut into overlapping tiles, and every copy of
    every face is found, once."""
    picture, boxes = _crowd_of(PARTY, face=20, copies=6)
    detector = BlazeFace(min_face=16)
    plan = detector.plan(picture.shape[1], picture.shape[0])
    assert plan is not None and plan.levels[0].width > 1024  # tiled
    found = detector.detect(picture)
    assert _matched([d.box for d in found], boxes) >= 0.95 * len(boxes)
    assert len(found) <= 1.05 * len(boxes)  # tiles overlap, but a face is reported once


def test_a_talking_head_is_looked_at_closer_only_around_what_it_half_shows() -> None:
    """The talking-head video's frames 17, 18 and 45 as photos: the coarse level finds the
    face and half sees something else. Searching the whole finer level finds "faces" in a
    watermark's letters and the bokeh; looking closer around the half-seen candidate only,
    the default finds the one face."""
    frames = read_frames(WOMAN, 46)
    picked = [frames[17], frames[18], frames[45]]
    adaptive, full = BlazeFace(min_face=16), BlazeFace(min_face=16, pyramid="full")
    assert [search.levels for search in adaptive.search(picked[:1])] == [2]
    assert all(len(adaptive.detect(frame)) == 1 for frame in picked)
    assert sum(len(full.detect(frame)) for frame in picked) > len(picked)


def test_keypoints_keep_mediapipe_order_at_every_level() -> None:
    """Right eye (on the image's left) first, then the left eye, both inside the face box."""
    for d in BlazeFace(min_face=16).detect(_pixels(GROUP)):
        (rx, ry), (lx, ly) = d.keypoints[:2]
        x, y, w, h = d.box
        assert rx < lx and len(d.keypoints) == 6
        assert all(x <= px <= x + w and y <= py <= y + h for px, py in ((rx, ry), (lx, ly)))


@pytest.mark.parametrize(("pyramid", "warned"), [("full", True), ("adaptive", False)])
def test_a_smallest_face_that_needs_a_huge_input_is_capped_with_a_warning(
    caplog: pytest.LogCaptureFixture, pyramid: str, warned: bool
) -> None:
    """Faces of 2 px in a 910x1137 portrait would need 260 megapixels of input: the finest
    level is shrunk to the cap, and the log says so once, when that level is searched (the
    adaptive search stops at the coarse level that finds the portrait's face)."""
    detector = BlazeFace(min_face=2, max_pixels=2_000_000, pyramid=pyramid)
    pixels = _pixels("obama_portrait.jpg")
    plan = detector.plan(pixels.shape[1], pixels.shape[0])
    assert plan is not None and plan.capped and plan.pixels < 3_000_000
    with caplog.at_level(logging.WARNING, logger="emokognition.vision.blazeface"):
        found = detector.detect(pixels)
        detector.detect(pixels)
    truth = np.array(labelled_boxes()["obama_portrait.jpg"], dtype=np.float64)
    assert _matched([d.box for d in found], truth) == 1  # the large face, found all the same
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == warned, warnings  # once per picture size
    if warned:
        assert "faces of 2 px in a 910x1137 picture need more than 2.0 megapixels" in warnings[0]


def test_the_adaptive_search_goes_finer_only_where_a_coarser_level_calls_for_it() -> None:
    """The seven faces of the party photo are found at the coarsest level, with no half-seen
    candidate left: one pass. The group photo leaves one half-seen face, which the next
    level finds. A crowd of 20 px faces shows nothing at the coarse levels but a finer one."""
    adaptive, full = BlazeFace(min_face=16), BlazeFace(min_face=16, pyramid="full")
    party, group = _pixels(PARTY), _pixels(GROUP)
    assert _levels_searched(adaptive, party) == 1
    assert _levels_searched(full, party) == 2
    assert _levels_searched(adaptive, group) == 2
    truth = np.array(labelled_boxes()[GROUP], dtype=np.float64)
    assert _matched([d.box for d in adaptive.detect(group)], truth) == len(truth)
    crowd, boxes = _crowd_of(PARTY, face=20, copies=6)
    plan = adaptive.plan(crowd.shape[1], crowd.shape[0])
    assert plan is not None and _levels_searched(adaptive, crowd) == len(plan.levels) == 3
    assert _matched([d.box for d in adaptive.detect(crowd)], boxes) >= 0.95 * len(boxes)


def test_a_size_or_no_min_face_is_one_pass_as_before() -> None:
    assert BlazeFace(size=320, min_face=16).plan(640, 480) is None
    assert BlazeFace().plan(640, 480) is None
    default = create_detector("blazeface", min_face=24)
    assert isinstance(default, BlazeFace) and default.plan(640, 480) is not None


# Every detector, and BlazeFace's every search: the default adaptive pyramid, every level of
# it, and one pass.
SEARCHES = [
    *(pytest.param((name, 16, "adaptive"), id=name) for name in DETECTORS),
    pytest.param(("blazeface", 16, "full"), id="blazeface-full"),
    pytest.param(("blazeface", 0, "adaptive"), id="blazeface-one-pass"),
]


@pytest.fixture(scope="module", params=SEARCHES)
def detector(request: pytest.FixtureRequest) -> FaceDetector:
    name, min_face, pyramid = request.param
    return create_detector(name, min_face=min_face, pyramid=pyramid)


def _as_png(pixels: NDArray[np.uint8]) -> bytes:
    ok, data = cv2.imencode(".png", pixels)
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("kind", ["gray", "gray+alpha", "bgra"])
def test_gray_and_alpha_pictures_through_every_detector(detector: FaceDetector, kind: str) -> None:
    bgr = _pixels("2008_001009.jpg")  # two faces of 76 and 90 px
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    alpha = np.full(gray.shape, 200, dtype=np.uint8)
    source = {
        "gray": gray,
        "gray+alpha": np.dstack([gray, gray, gray, alpha]),
        "bgra": np.dstack([bgr, alpha]),
    }[kind]
    pixels = load_image(_as_png(source), Settings()).pixels
    truth = np.array(labelled_boxes()["2008_001009.jpg"], dtype=np.float64)
    assert pixels.shape == bgr.shape
    assert _matched([d.box for d in detector.detect(pixels)], truth) >= 1


@pytest.mark.parametrize("tall", [False, True], ids=["20000x200", "200x20000"])
def test_a_panorama_through_every_detector(detector: FaceDetector, tall: bool) -> None:
    """The group photo's strip of faces repeated 20 times (lying), or a 200 px square around
    one of its faces repeated 100 times (standing): boxes stay inside, and BlazeFace's pyramid
    (whose coarse levels would be 2 px thin) finds the faces at every place; one 192 px pass
    sees such a panorama as a line 2 px thick."""
    photo = _pixels(GROUP)
    if tall:
        cell = np.asarray(cv2.resize(photo[100:250, 70:220], (200, 200)), dtype=np.uint8)
        panorama, copies = np.ascontiguousarray(np.tile(cell, (100, 1, 1))), 100
    else:
        row = np.asarray(cv2.resize(photo[120:220], (1000, 200)), dtype=np.uint8)
        panorama, copies = np.ascontiguousarray(np.tile(row, (1, 20, 1))), 20 * 4
    height, width = panorama.shape[:2]
    found = detector.detect(panorama)
    assert all(d.box[0] >= 0 and d.box[0] + d.box[2] <= width + 1e-3 for d in found)
    assert all(d.box[1] >= 0 and d.box[1] + d.box[3] <= height + 1e-3 for d in found)
    if isinstance(detector, BlazeFace) and detector.min_face:
        assert len(found) >= copies  # most of the repeated faces, at every place


def test_a_tiny_picture_through_every_detector(detector: FaceDetector) -> None:
    """16x16: a face's worth of pixels; 1x1 and 3x2: hardly a picture."""
    photo = _pixels(GROUP)
    tiny = cv2.resize(photo[134:171, 122:159], (16, 16), interpolation=cv2.INTER_AREA)
    found = detector.detect(np.ascontiguousarray(tiny, dtype=np.uint8))
    assert all(d.box[0] >= 0 and d.box[0] + d.box[2] <= 16 + 1e-3 for d in found)
    assert all(d.box[1] >= 0 and d.box[1] + d.box[3] <= 16 + 1e-3 for d in found)
    for shape in ((1, 1, 3), (2, 3, 3)):
        assert detector.detect(np.zeros(shape, dtype=np.uint8)) == []
