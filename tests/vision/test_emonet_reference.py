"""The shipped EmoNet ONNX file against the outputs recorded when it was exported.

`tests/vision/emonet32_reference.npz` is written by `tools/train_classifier.py` (`export()`): the
ONNX Runtime outputs, checked there against PyTorch within 1e-4, on PublicTest centre crops
followed by their mirror images. It holds `indices` into publictest.npz and `probabilities`
(2N, 7); the inputs are recomputed here from ../shared/data exactly as the script computes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from numpy.typing import NDArray

from emokognition.vision.classifier import create_classifier
from emokognition.vision.runtime import model_path
from tests.shared import FER2013_PUBLICTEST

REFERENCE = Path(__file__).with_name("emonet32_reference.npz")
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def reference() -> dict[str, NDArray[Any]]:
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def faces(reference: dict[str, NDArray[Any]]) -> NDArray[np.uint8]:
    """The (N, 48, 48) PublicTest faces the reference was computed on."""
    with np.load(FER2013_PUBLICTEST) as data:
        images: NDArray[np.uint8] = data["images"][reference["indices"]]
    return images


def centre_inputs(faces: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The training script's `center()`: (N, 1, 40, 40), the centre of 48x48, in [-1, 1]."""
    x = faces.astype(np.float32)[:, None] * np.float32(2.0 / 255.0) - np.float32(1.0)
    return np.ascontiguousarray(x[:, :, 4:44, 4:44])


def test_reference_covers_every_class(
    reference: dict[str, NDArray[Any]], faces: NDArray[np.uint8]
) -> None:
    assert reference["indices"].dtype == np.int32 and len(faces) >= 200
    assert reference["probabilities"].shape == (2 * len(faces), 7)
    with np.load(FER2013_PUBLICTEST) as data:
        labels = data["labels"][reference["indices"]]
    assert set(labels.tolist()) == set(range(7))


def test_onnx_file_matches_the_export(
    reference: dict[str, NDArray[Any]], faces: NDArray[np.uint8]
) -> None:
    session = ort.InferenceSession(
        str(model_path("emonet32_fer2013.onnx")), providers=["CPUExecutionProvider"]
    )
    (inp,) = session.get_inputs()
    assert (inp.name, inp.type, list(inp.shape[1:])) == ("input", "tensor(float)", [1, 40, 40])
    assert [(o.name, list(o.shape[1:])) for o in session.get_outputs()] == [("probabilities", [7])]
    x = centre_inputs(faces)
    (actual,) = session.run(["probabilities"], {"input": np.concatenate([x, x[:, :, :, ::-1]])})
    np.testing.assert_allclose(actual, reference["probabilities"], rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(actual.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("flip", [False, True])
def test_classifier_preprocesses_as_the_training_script(
    reference: dict[str, NDArray[Any]], faces: NDArray[np.uint8], flip: bool
) -> None:
    """`predict` on the raw 48x48 faces gives the reference: same crop, scale and mirror."""
    n = len(faces)
    plain, mirrored = reference["probabilities"][:n], reference["probabilities"][n:]
    expected = (plain + mirrored) / 2 if flip else plain
    actual = create_classifier("emonet32-fer2013", flip=flip).predict(faces)
    assert actual.shape == (n, 7) and actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE)
