"""The emotion classifier on real FER2013 crops."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.vision.classifier import EmotionClassifier
from tests.shared import FER2013_PUBLICTEST


@pytest.fixture(scope="module")
def classifier() -> EmotionClassifier:
    return EmotionClassifier()


@pytest.fixture(scope="module")
def sample() -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Every 6th PublicTest crop: 599 faces with all seven labels."""
    with np.load(FER2013_PUBLICTEST) as data:
        return data["images"][::6], data["labels"][::6].astype(np.int64)


def test_probabilities_shape_and_sum(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    probs = classifier.predict(sample[0][:40])
    assert probs.shape == (40, len(EMOTIONS)) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert (probs >= 0).all()


def test_accuracy_on_a_publictest_sample(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    images, labels = sample
    predicted = classifier.predict(images).argmax(axis=1)
    accuracy = float((predicted == labels).mean())
    # The published model reaches 66 % on all of PublicTest; a 599-crop sample stays near it.
    assert accuracy > 0.6, accuracy
    happy = labels == EMOTIONS.index("happy")
    assert float((predicted[happy] == labels[happy]).mean()) > 0.8


def test_batches_give_the_same_answer_as_single_crops(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    crops = sample[0][:300]  # crosses the 256-crop chunk boundary
    together = classifier.predict(crops)
    alone = np.concatenate([classifier.predict(crops[i : i + 1]) for i in range(0, 300, 37)])
    np.testing.assert_allclose(together[::37], alone, atol=1e-5)


def test_any_crop_size_is_accepted(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    import cv2

    crops = sample[0][:8]
    big = np.stack([cv2.resize(c, (160, 160), interpolation=cv2.INTER_CUBIC) for c in crops])
    same = classifier.predict(crops).argmax(axis=1) == classifier.predict(big).argmax(axis=1)
    assert same.mean() >= 0.75


def test_empty_and_invalid_input(classifier: EmotionClassifier) -> None:
    assert classifier.predict(np.empty((0, 64, 64), np.uint8)).shape == (0, 7)
    with pytest.raises(ValueError, match=r"\(N, H, W\) uint8"):
        classifier.predict(np.zeros((2, 64, 64), np.float32))
    with pytest.raises(ValueError, match=r"\(N, H, W\) uint8"):
        classifier.predict(np.zeros((64, 64), np.uint8))


def test_pickles_for_process_pools(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    clone = pickle.loads(pickle.dumps(classifier))
    np.testing.assert_array_equal(clone.predict(sample[0][:5]), classifier.predict(sample[0][:5]))


def test_mirror_averaging_sees_a_face_and_its_mirror_alike(
    classifier: EmotionClassifier, sample: tuple[NDArray[np.uint8], NDArray[np.int64]]
) -> None:
    faces = sample[0][:32]
    mirrored = np.ascontiguousarray(faces[:, :, ::-1])
    np.testing.assert_allclose(classifier.predict(faces), classifier.predict(mirrored), atol=1e-5)
    plain = EmotionClassifier(flip=False)
    assert np.abs(plain.predict(faces) - plain.predict(mirrored)).max() > 0.01
