"""Classifiers by name: both shipped models on real FER2013 crops, bad names, sizes and files."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from pydantic import ValidationError

from emokognition.config import CLASSIFIERS, Settings
from emokognition.emotions import EMOTIONS
from emokognition.errors import ModelError
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import (
    EMONET32,
    MODELS,
    ClassifierModel,
    EmotionClassifier,
    create_classifier,
)
from emokognition.vision.runtime import model_path
from tests.shared import FER2013_PUBLICTEST, PHOTOS

Sample = tuple[NDArray[np.uint8], NDArray[np.int64]]


@pytest.fixture(scope="module")
def sample() -> Sample:
    """Every 6th PublicTest crop: 599 faces with all seven labels."""
    with np.load(FER2013_PUBLICTEST) as data:
        return data["images"][::6], data["labels"][::6].astype(np.int64)


@pytest.fixture(scope="module", params=CLASSIFIERS)
def classifier(request: pytest.FixtureRequest) -> EmotionClassifier:
    return create_classifier(request.param)


def test_the_names_are_the_settings_names() -> None:
    assert tuple(MODELS) == CLASSIFIERS
    assert CLASSIFIERS[0] == "mini-xception-fer2013"
    for name in CLASSIFIERS:
        assert create_classifier(name, flip=False).name == name
        assert Settings(classifier=name).classifier == name
    assert Settings(classifier=" EmoNet32-FER2013 ").classifier == "emonet32-fer2013"


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    listed = r"\(mini-xception-fer2013, emonet32-fer2013\)"
    with pytest.raises(ValueError, match=r"unknown classifier 'vgg' " + listed):
        create_classifier("vgg")
    with pytest.raises(ValidationError, match=listed):
        Settings(classifier="vgg")


def test_probabilities_and_accuracy(classifier: EmotionClassifier, sample: Sample) -> None:
    images, labels = sample
    probs = classifier.predict(images)
    assert probs.shape == (len(images), len(EMOTIONS)) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert (probs >= 0).all()
    # Far above the majority class (happy, 25 %); the exact outputs are pinned elsewhere.
    assert float((probs.argmax(axis=1) == labels).mean()) > 0.6


def test_batches_give_the_same_answer_as_single_crops(
    classifier: EmotionClassifier, sample: Sample
) -> None:
    crops = sample[0][: 3 * classifier.max_batch + 5]  # whole chunks and a partial one
    together = classifier.predict(crops)
    alone = np.concatenate([classifier.predict(crops[i : i + 1]) for i in range(len(crops))])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_mirror_averaging_is_mirror_invariant(sample: Sample) -> None:
    faces = sample[0][:32]
    mirrored = np.ascontiguousarray(faces[:, :, ::-1])
    both = create_classifier("emonet32-fer2013")
    np.testing.assert_allclose(both.predict(faces), both.predict(mirrored), atol=1e-5)
    plain = create_classifier("emonet32-fer2013", flip=False)
    assert np.abs(plain.predict(faces) - plain.predict(mirrored)).max() > 0.01


@pytest.mark.parametrize(("height", "width"), [(1, 1), (3, 200), (40, 40), (48, 48), (500, 500)])
def test_crops_of_any_size(classifier: EmotionClassifier, height: int, width: int) -> None:
    with np.load(FER2013_PUBLICTEST) as data:
        faces = data["images"][:4]
    crops = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in faces])
    probs = classifier.predict(crops)
    assert probs.shape == (4, 7) and np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_upscaled_crops_are_classified_alike(classifier: EmotionClassifier, sample: Sample) -> None:
    crops = sample[0][:40]
    big = np.stack([cv2.resize(c, (160, 160), interpolation=cv2.INTER_CUBIC) for c in crops])
    same = classifier.predict(crops).argmax(axis=1) == classifier.predict(big).argmax(axis=1)
    assert same.mean() >= 0.8


@pytest.mark.parametrize("shape", [(2, 0, 48), (2, 48, 0), (1, 0, 0)])
def test_zero_size_crops_are_refused_clearly(
    classifier: EmotionClassifier, shape: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError, match=r"at least 1x1 pixels, got \(\d, \d+, \d+\)"):
        classifier.predict(np.zeros(shape, np.uint8))
    assert classifier.predict(np.zeros((0, 0, 0), np.uint8)).shape == (0, 7)


def test_missing_model_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"'nowhere_fer2013\.onnx' is missing"):
        EmotionClassifier(ClassifierModel("x", "nowhere_fer2013.onnx", 48, 40, 8))
    with pytest.raises(ModelError, match=r"gone\.onnx' does not exist"):
        EmotionClassifier(ClassifierModel("x", tmp_path / "gone.onnx", 48, 40, 8))


@pytest.mark.parametrize("damage", ["truncated", "text", "empty"])
def test_corrupt_model_files_name_the_file(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "emonet32_fer2013.onnx"
    original = model_path(EMONET32.file).read_bytes()
    contents = {"truncated": original[: len(original) // 3], "text": b"<html>", "empty": b""}
    path.write_bytes(contents[damage])
    with pytest.raises(ModelError, match=r"cannot load model file '.*emonet32_fer2013\.onnx'"):
        EmotionClassifier(ClassifierModel("emonet32-fer2013", path, 48, 40, 8))


def test_a_model_that_is_not_a_classifier_fails_as_a_model_error(
    tmp_path: Path, sample: Sample
) -> None:
    path = tmp_path / "detector.onnx"
    shutil.copy(model_path("blazeface_full.onnx"), path)
    wrong = EmotionClassifier(ClassifierModel("x", path, 48, 40, 8))  # takes (N, 3, H, W)
    with pytest.raises(ModelError, match=r"detector\.onnx' failed on a \(4, 1, 40, 40\) input"):
        wrong.predict(sample[0][:2])


def test_pickles_for_process_pools(sample: Sample) -> None:
    classifier = create_classifier("emonet32-fer2013", flip=False)
    clone = pickle.loads(pickle.dumps(classifier))
    assert (clone.name, clone.flip) == ("emonet32-fer2013", False)
    np.testing.assert_array_equal(clone.predict(sample[0][:5]), classifier.predict(sample[0][:5]))


def test_the_analyzer_uses_and_names_the_configured_classifier() -> None:
    analyzer = Analyzer(settings=Settings(classifier="emonet32-fer2013"))
    result = analyzer.analyze(PHOTOS / "2008_001322.jpg")
    assert result.to_dict()["model"] == {"detector": "blazeface", "classifier": "emonet32-fer2013"}
    assert len(result.faces) == 3
    for face in result.faces:
        assert sum(face.emotions.values()) == pytest.approx(1.0, abs=1e-4)
