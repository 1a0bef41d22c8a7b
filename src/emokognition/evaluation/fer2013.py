"""Classifier accuracy on FER2013 arrays (`images` (N, 48, 48) uint8, `labels` (N,) 0..6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError
from emokognition.vision.classifier import EmotionClassifier


@dataclass(frozen=True, slots=True)
class ClassifierReport:
    """Accuracy of a classifier on labelled crops.

    Attributes:
        samples: Number of crops.
        top1: Share whose most likely emotion is the label.
        top2: Share whose label is among the two most likely.
        recall: Per emotion, the share of its crops classified as it.
        confusion: (7, 7) counts, rows the true label, columns the prediction.
    """

    samples: int
    top1: float
    top2: float
    recall: dict[str, float]
    confusion: NDArray[np.int64]

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "top1": round(self.top1, 4),
            "top2": round(self.top2, 4),
            "recall": {k: round(v, 4) for k, v in self.recall.items()},
            "confusion": self.confusion.tolist(),
        }


def load_fer2013(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """(N, 48, 48) images and (N,) labels from a FER2013 .npz file.

    Raises:
        MediaError: The file is missing or lacks `images` / `labels`.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            images, labels = data["images"], data["labels"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise MediaError(f"cannot read FER2013 arrays from {path}: {exc}") from exc
    if images.ndim != 3 or len(images) != len(labels):
        raise MediaError(f"{path}: expected images (N, H, W) and labels (N,)")
    return images.astype(np.uint8, copy=False), labels


def evaluate_classifier(
    classifier: EmotionClassifier,
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
) -> ClassifierReport:
    """Top-1, top-2, per-class recall and confusion of `classifier` on labelled crops."""
    probabilities = classifier.predict(images)  # chunks internally; (0, 7) for no crops
    ranked = np.argsort(-probabilities, axis=1, kind="stable")
    predicted = ranked[:, 0]
    confusion = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    support = confusion.sum(axis=1)
    recall = {
        name: float(confusion[i, i] / support[i]) if support[i] else 0.0
        for i, name in enumerate(EMOTIONS)
    }
    n = max(len(labels), 1)
    return ClassifierReport(
        samples=len(labels),
        top1=float((predicted == labels).sum() / n),
        top2=float((ranked[:, :2] == labels[:, None]).any(axis=1).sum() / n),
        recall=recall,
        confusion=confusion,
    )
