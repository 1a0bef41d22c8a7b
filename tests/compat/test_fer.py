"""`emokognition.compat.fer.FER` against fer 25.10's documented behaviour, on real photos."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.compat.fer import FER, InvalidImage
from emokognition.compat.fer.detector import FER_NAMES, LABELS
from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError, ModelError
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.boxes import iou_matrix
from tests.shared import PHOTOS, REPO, labelled_boxes

FER_KEYS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
JUSTIN = PHOTOS / "justin_portrait.jpg"  # fer's own README picture (justin.jpg)
GROUP = PHOTOS / "2007_007763.jpg"  # 7 labelled faces
NO_FACE = PHOTOS / "horses_noface.jpg"


@pytest.fixture(scope="module")
def detector() -> FER:
    return FER()


def read(path: Path) -> NDArray[np.uint8]:
    """A photo as OpenCV reads it, as fer's users read theirs."""
    img = cv2.imread(str(path))
    assert img is not None, path
    return np.asarray(img, dtype=np.uint8)


def assert_fer_face(face: dict[str, Any], width: int, height: int) -> None:
    """One entry of fer's result: its keys, an int box inside the picture, fer's seven keys
    in fer's order, scores rounded to 2 decimals that sum to about 1."""
    assert list(face) == ["box", "emotions"]
    x, y, w, h = face["box"]
    assert all(isinstance(v, int) for v in face["box"])
    assert w > 0 and h > 0 and -w < x < width and -h < y < height
    assert list(face["emotions"]) == FER_KEYS
    for score in face["emotions"].values():
        assert isinstance(score, float) and 0.0 <= score <= 1.0
        assert score == round(score, 2)
    assert sum(face["emotions"].values()) == pytest.approx(1.0, abs=0.04)  # 7 roundings


def test_readme_example_runs_unchanged() -> None:
    # fer's README and example.py, with only the import changed.
    img = cv2.imread(str(JUSTIN))
    assert img is not None  # for mypy; the rest is fer's code
    detector = FER(mtcnn=True)
    result = detector.detect_emotions(img)
    emotion, score = detector.top_emotion(img)

    assert len(result) == 1
    assert_fer_face(result[0], img.shape[1], img.shape[0])
    assert (emotion, score) == ("happy", result[0]["emotions"]["happy"])
    bounding_box = result[0]["box"]  # example.py draws it with cv2 as it comes
    cv2.rectangle(
        img,
        (bounding_box[0], bounding_box[1]),
        (bounding_box[0] + bounding_box[2], bounding_box[1] + bounding_box[3]),
        (0, 155, 255),
        2,
    )


def test_fer_names_are_ours_in_the_same_order() -> None:
    assert list(LABELS.values()) == FER_KEYS
    assert FER._get_labels() == dict(enumerate(FER_KEYS))
    assert list(FER_NAMES) == list(EMOTIONS)
    renamed = {ours: theirs for ours, theirs in FER_NAMES.items() if ours != theirs}
    assert renamed == {"disgusted": "disgust", "fearful": "fear", "surprised": "surprise"}


def test_scores_are_our_analyzers_rounded(detector: FER) -> None:
    faces = Analyzer().analyze(GROUP).faces
    result = detector.detect_emotions(cv2.imread(str(GROUP)))
    assert [face["box"] for face in result] == [list(face.box) for face in faces]
    for theirs, ours in zip(result, faces, strict=True):
        expected = {FER_NAMES[name]: round(p, 2) for name, p in ours.emotions.items()}
        assert theirs["emotions"] == expected
    assert detector.emotions == result  # fer keeps the last result on the instance


def test_group_photo_finds_the_labelled_faces(detector: FER) -> None:
    img = read(GROUP)
    result = detector.detect_emotions(img)
    for face in result:
        assert_fer_face(face, img.shape[1], img.shape[0])
    found = np.array([face["box"] for face in result], dtype=np.float64)
    labelled = np.array(labelled_boxes()[GROUP.name], dtype=np.float64)
    recall = float((iou_matrix(labelled, found).max(axis=1) >= 0.4).mean())
    assert recall >= 0.8
    assert detector.find_faces(img) == [face["box"] for face in result]


def test_no_face_gives_empty_results(detector: FER) -> None:
    img = read(NO_FACE)
    assert detector.detect_emotions(img) == []
    assert detector.top_emotion(img) == (None, None)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(str(JUSTIN), id="path"),
        pytest.param(JUSTIN.read_bytes(), id="bytes"),
        pytest.param(
            "data:image/jpeg;base64," + base64.b64encode(JUSTIN.read_bytes()).decode(),
            id="base64-data-uri",
        ),
        pytest.param(cv2.imread(str(JUSTIN), cv2.IMREAD_GRAYSCALE), id="gray-array"),
    ],
)
def test_every_source_fer_takes(detector: FER, source: Any) -> None:
    result = detector.detect_emotions(source)
    assert len(result) == 1
    reference = detector.detect_emotions(cv2.imread(str(JUSTIN)))[0]["box"]
    boxes = np.array([result[0]["box"], reference], dtype=np.float64)
    assert iou_matrix(boxes[:1], boxes[1:])[0, 0] > 0.9  # a gray picture: about the same box


@pytest.mark.parametrize(
    ("image", "message"),
    [
        pytest.param(None, "Image not valid", id="none"),
        # fer's own test: cv2.imread of a file that is no image gives None
        pytest.param(cv2.imread(str(REPO / "pyproject.toml")), "Image not valid", id="imread"),
        pytest.param(str(REPO / "pyproject.toml"), "not a supported image", id="text-file"),
        pytest.param(str(PHOTOS / "missing.jpg"), "no such file", id="missing-file"),
        pytest.param(42, "Unsupported image type", id="int"),
        pytest.param(np.zeros((4, 4, 5), np.uint8), "shape", id="five-channels"),
        pytest.param(np.zeros((4, 4, 3), np.float32), "dtype", id="float-array"),
        pytest.param("data:image/png;base64,@@", "base64", id="bad-base64"),
    ],
)
def test_invalid_image(detector: FER, image: Any, message: str) -> None:
    with pytest.raises(InvalidImage, match=message):
        detector.detect_emotions(image)
    with pytest.raises(InvalidImage):
        detector.top_emotion(image)
    assert issubclass(InvalidImage, MediaError)


def test_given_face_rectangles_are_classified_not_detected(detector: FER) -> None:
    img = read(GROUP)
    labelled = labelled_boxes()[GROUP.name]
    given = [(0, 0, 0, 0), *[tuple(box) for box in labelled], (9000, 9000, 10, 10)]
    result = detector.detect_emotions(img, face_rectangles=given)
    assert [face["box"] for face in result] == labelled  # empty and outside ones left out
    for face in result:
        assert_fer_face(face, img.shape[1], img.shape[0])
    assert detector.detect_emotions(img, face_rectangles=np.empty((0, 4), np.int32)) == []


def test_batch_detect_emotions(detector: FER) -> None:
    images = [cv2.imread(str(JUSTIN)), cv2.imread(str(NO_FACE))]
    results = detector.batch_detect_emotions(images)
    assert [len(result) for result in results] == [1, 0]
    assert detector.batch_detect_emotions([]) == []


def test_fers_other_arguments_are_accepted() -> None:
    detector = FER(
        None,
        True,
        tfserving=True,  # no server is asked: everything runs here
        use_tflite=False,
        scale_factor=1.2,
        min_face_size=30,
        min_neighbors=3,
        offsets=[20, 20],
        compile=True,
        emotion_model="emotion_model.hdf5",
    )
    assert len(detector.detect_emotions(cv2.imread(str(JUSTIN)))) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale_factor": 1.0}, "scale_factor must be greater than 1.0"),
        ({"min_face_size": 0}, "min_face_size must be at least 1"),
        ({"min_neighbors": -1}, "min_neighbors must be non-negative"),
        ({"offsets": (10,)}, "offsets must be a tuple or list of length 2"),
        ({"detector": "mtcnn"}, "unknown detector"),
    ],
)
def test_bad_arguments_are_refused_as_fer_refuses_them(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        FER(**kwargs)


def test_a_cascade_file_detects_as_fer_does() -> None:
    cascade = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    haar = FER(cascade_file=cascade, min_face_size=50)
    img = read(JUSTIN)
    result = haar.detect_emotions(img)
    assert len(result) == 1
    assert_fer_face(result[0], img.shape[1], img.shape[0])
    found = cv2.CascadeClassifier(cascade).detectMultiScale(
        cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
        scaleFactor=1.1,
        minNeighbors=5,
        flags=cv2.CASCADE_SCALE_IMAGE,
        minSize=(50, 50),
    )
    assert [face["box"] for face in result] == [list(map(int, box)) for box in found]
    assert haar.top_emotion(img)[0] == "happy"


@pytest.mark.parametrize(
    ("cascade", "message"),
    [("pyproject.toml", "not a cascade file"), ("missing.xml", "no such file")],
)
def test_an_unreadable_cascade_file_is_a_model_error(cascade: str, message: str) -> None:
    with pytest.raises(ModelError, match=f"cannot load Haar cascade .*{message}"):
        FER(cascade_file=str(REPO / cascade))
