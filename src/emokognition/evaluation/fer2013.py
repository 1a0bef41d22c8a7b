"""Classifier accuracy and calibration on FER2013 arrays, and agreement with the FER+ crowd.

A FER2013 .npz holds `images` (N, 48, 48) uint8 and `labels` (N,) 0..6; the shared data adds
the FER+ relabelling (Barsoum et al., 2016: ten annotators per image): `ferplus_majority` (N,)
in the same order, -1 for none, and `ferplus_votes` (N, 10) counts, -1 where unknown.
"""

from __future__ import annotations

import itertools
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError
from emokognition.vision.classifier import EmotionClassifier

# FER+ vote columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
# unknown, not-a-face. The column of each of EMOTIONS (angry ... neutral); the last three are
# not emotions we name and are dropped.
FERPLUS_COLUMNS = (4, 5, 6, 1, 3, 2, 0)
ECE_BINS = 15


@dataclass(frozen=True, slots=True)
class FerPlus:
    """FER+ labels of the same crops.

    Attributes:
        majority: (N,) int64 FER+ majority label in `EMOTIONS` order; -1 where none.
        votes: (N, 10) int64 vote counts in FER+ column order; -1 where unknown.
    """

    majority: NDArray[np.int64]
    votes: NDArray[np.int64]

    def __post_init__(self) -> None:
        n = len(self.majority)
        if self.majority.shape != (n,) or self.votes.shape != (n, 10):
            raise ValueError(
                f"expected majority (N,) and votes (N, 10), got {self.majority.shape} and "
                f"{self.votes.shape}"
            )

    def __getitem__(self, rows: slice) -> FerPlus:
        return FerPlus(majority=self.majority[rows], votes=self.votes[rows])

    def distributions(self) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """(N, 7) vote shares over `EMOTIONS` and the (N,) mask of rows that have any.

        Contempt, unknown and not-a-face votes are dropped and the rest renormalised.
        """
        counts = self.votes[:, list(FERPLUS_COLUMNS)].astype(np.float64)
        total = counts.sum(axis=1)
        has = (self.votes >= 0).all(axis=1) & (total > 0)
        shares = np.where(has[:, None], counts / np.where(total > 0, total, 1.0)[:, None], 0.0)
        return shares, has


@dataclass(frozen=True, slots=True)
class ClassifierReport:
    """Accuracy and calibration of a classifier on labelled crops.

    Attributes:
        classifier: Its name.
        mirror: Whether each crop was averaged with its mirror image.
        samples: Number of crops.
        top1: Share whose most likely emotion is the label.
        top2: Share whose label is among the two most likely.
        recall: Per emotion, the share of its crops classified as it.
        confusion: (7, 7) counts, rows the true label, columns the prediction.
        ece: Expected calibration error of the top-1 confidence, 15 equal bins.
        ferplus_agreement: Share of crops with a FER+ majority whose top-1 is that majority;
            None without FER+ labels.
        ferplus_majorities: Crops with a FER+ majority.
        ferplus_cross_entropy: Mean cross-entropy (nats) of the probabilities against the
            FER+ vote shares; None without FER+ votes.
        ferplus_voted: Crops with FER+ votes for one of the seven emotions.
    """

    classifier: str
    mirror: bool
    samples: int
    top1: float
    top2: float
    recall: dict[str, float]
    confusion: NDArray[np.int64]
    ece: float
    ferplus_agreement: float | None = None
    ferplus_majorities: int = 0
    ferplus_cross_entropy: float | None = None
    ferplus_voted: int = 0

    def to_dict(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "classifier": self.classifier,
            "mirror": self.mirror,
            "samples": self.samples,
            "top1": round(self.top1, 4),
            "top2": round(self.top2, 4),
            "recall": {k: round(v, 4) for k, v in self.recall.items()},
            "confusion": self.confusion.tolist(),
            "ece": round(self.ece, 4),
            "ferplus": {
                "agreement": rounded(self.ferplus_agreement),
                "majorities": self.ferplus_majorities,
                "cross_entropy": rounded(self.ferplus_cross_entropy),
                "voted": self.ferplus_voted,
            },
        }


def load_fer2013(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """(N, 48, 48) images and (N,) labels from a FER2013 .npz file.

    Raises:
        MediaError: The file is missing, is not an .npz, or lacks `images` / `labels`.
    """
    arrays = _read(path, ("images", "labels"))
    images, labels = arrays["images"], arrays["labels"].astype(np.int64)
    if images.ndim != 3 or labels.shape != (len(images),):
        raise MediaError(
            f"{path}: expected images (N, H, W) and labels (N,), got {images.shape} and "
            f"{labels.shape}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(EMOTIONS)):
        raise MediaError(f"{path}: labels must be 0..{len(EMOTIONS) - 1}")
    return images.astype(np.uint8, copy=False), labels


def load_ferplus(path: Path) -> FerPlus | None:
    """The FER+ majority and votes of a FER2013 .npz (`ferplus_majority`, `ferplus_votes`);
    None when the file has neither (plain FER2013).

    Raises:
        MediaError: The file is missing, is not an .npz, or has only one of the two arrays.
    """
    arrays = _read(path, ("ferplus_majority", "ferplus_votes"), optional=True)
    if not arrays:
        return None
    try:
        return FerPlus(
            majority=arrays["ferplus_majority"].astype(np.int64),
            votes=arrays["ferplus_votes"].astype(np.int64),
        )
    except ValueError as exc:
        raise MediaError(f"{path}: {exc}") from exc


def _read(path: Path, keys: tuple[str, ...], *, optional: bool = False) -> dict[str, NDArray[Any]]:
    """The arrays `keys` of an .npz; {} if `optional` and it has none of them."""
    if not path.is_file():
        raise MediaError(f"no such file: {path}")
    # np.load on anything else suggests allow_pickle, which must never be followed here.
    if not zipfile.is_zipfile(path):
        raise MediaError(f"{path} is not a .npz file (numpy's zip of named arrays)")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in keys if key not in data.files]
            if optional and len(missing) == len(keys):
                return {}
            if missing:
                raise MediaError(
                    f"{path} lacks {', '.join(missing)} (it has {', '.join(data.files) or 'none'})"
                )
            return {key: data[key] for key in keys}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise MediaError(f"cannot read arrays from {path}: damaged .npz ({exc})") from exc


def evaluate_classifier(
    classifier: EmotionClassifier,
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    *,
    ferplus: FerPlus | None = None,
) -> ClassifierReport:
    """Top-1, top-2, per-class recall, confusion and ECE of `classifier` on labelled crops,
    and, with `ferplus` (the same rows), agreement with the FER+ majority and cross-entropy
    against the FER+ votes.

    Raises:
        ValueError: `labels` or `ferplus` have not one row per image.
    """
    if len(labels) != len(images) or (ferplus is not None and len(ferplus.majority) != len(images)):
        raise ValueError(f"expected labels and FER+ rows for {len(images)} images")
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
        classifier=classifier.name,
        mirror=classifier.flip,
        samples=len(labels),
        top1=float((predicted == labels).sum() / n),
        top2=float((ranked[:, :2] == labels[:, None]).any(axis=1).sum() / n),
        recall=recall,
        confusion=confusion,
        ece=expected_calibration_error(probabilities, labels),
        **(_ferplus_scores(predicted, probabilities, ferplus) if ferplus is not None else {}),
    )


def _ferplus_scores(
    predicted: NDArray[np.int64], probabilities: NDArray[np.float32], ferplus: FerPlus
) -> dict[str, Any]:
    """The FER+ fields of a `ClassifierReport`; rows without a majority or votes skipped."""
    has = ferplus.majority >= 0
    shares, voted = ferplus.distributions()
    agreement = float((predicted[has] == ferplus.majority[has]).mean()) if has.any() else None
    loss = cross_entropy(probabilities[voted], shares[voted]) if voted.any() else None
    return {
        "ferplus_agreement": agreement,
        "ferplus_majorities": int(has.sum()),
        "ferplus_cross_entropy": loss,
        "ferplus_voted": int(voted.sum()),
    }


def expected_calibration_error(
    probabilities: NDArray[np.float32], labels: NDArray[np.int64], bins: int = ECE_BINS
) -> float:
    """Sum over equal-width confidence bins (low, high] of the bin's share of crops times
    |mean top-1 confidence - accuracy| in it; 0 for no crops."""
    if len(labels) == 0:
        return 0.0
    confidence = probabilities.max(axis=1).astype(np.float64)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += float(inside.mean()) * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def cross_entropy(probabilities: NDArray[np.float32], targets: NDArray[np.float64]) -> float:
    """Mean of -sum(target * log p) over rows, in nats; p floored at 1e-12 (never inf)."""
    logs = np.log(np.maximum(probabilities.astype(np.float64), 1e-12))
    return float(-(targets * logs).sum(axis=1).mean())


def format_classifier_report(report: ClassifierReport) -> list[str]:
    """The report as plain text lines (no trailing newlines), for a terminal or a log."""
    mirror = " (mirror-averaged)" if report.mirror else ""
    lines = [
        f"{report.classifier} on {report.samples} crops{mirror}: "
        f"top-1 {report.top1:.2%}, top-2 {report.top2:.2%}, ECE {report.ece:.4f} "
        f"({ECE_BINS} bins)",
    ]
    if report.ferplus_agreement is not None:
        lines.append(
            f"FER+ majority agreement {report.ferplus_agreement:.2%} "
            f"({report.ferplus_majorities} crops with a majority)"
        )
    if report.ferplus_cross_entropy is not None:
        lines.append(
            f"cross-entropy against the FER+ votes {report.ferplus_cross_entropy:.4f} nats "
            f"({report.ferplus_voted} crops with votes)"
        )
    lines.append("confusion (rows: truth, columns: predicted) and recall")
    width = max(len(name) for name in EMOTIONS)
    lines.append(" " * width + "".join(f"{name[:5]:>7}" for name in EMOTIONS) + "  recall")
    for i, name in enumerate(EMOTIONS):
        cells = "".join(f"{int(v):>7}" for v in report.confusion[i])
        lines.append(f"{name:<{width}}{cells}  {report.recall[name]:>6.1%}")
    return lines
