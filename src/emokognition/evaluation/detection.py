"""Detector precision and recall against hand-labelled boxes (`faces.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError
from emokognition.media.load import load_image
from emokognition.vision.boxes import iou_matrix
from emokognition.vision.detectors import FaceDetector


@dataclass(frozen=True, slots=True)
class FileScore:
    """Matches in one labelled photo."""

    file: str
    truth: int
    found: int
    matched: int


@dataclass(frozen=True, slots=True)
class DetectionReport:
    """Detector quality on a folder of labelled photos.

    Attributes:
        iou: IoU a detection needs with a label to count as found.
        precision: Matched detections / all detections.
        recall: Matched labels / all labels.
        files: Per-photo counts.
    """

    iou: float
    precision: float
    recall: float
    files: tuple[FileScore, ...]

    @property
    def faces_on_empty(self) -> int:
        """Detections on photos labelled as having no face."""
        return sum(f.found for f in self.files if f.truth == 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iou": self.iou,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "faces_on_empty": self.faces_on_empty,
            "files": [
                {"file": f.file, "truth": f.truth, "found": f.found, "matched": f.matched}
                for f in self.files
            ],
        }


def load_labels(folder: Path) -> dict[str, list[list[float]]]:
    """`faces.json` of a folder: file name -> [[x, y, w, h], ...].

    Raises:
        MediaError: No readable faces.json in the folder.
    """
    path = folder / "faces.json"
    try:
        labels: dict[str, list[list[float]]] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot read {path}: {exc}") from exc
    return labels


def evaluate_detector(
    detector: FaceDetector, folder: Path, settings: Settings, *, iou: float = 0.4
) -> DetectionReport:
    """Match detections to labels one-to-one, best IoU first, in every labelled photo."""
    scores = []
    for name, truth in sorted(load_labels(folder).items()):
        image = load_image(folder / name, settings)
        found = np.array([d.box for d in detector.detect(image.pixels)], dtype=np.float64)
        overlap = iou_matrix(np.array(truth, dtype=np.float64).reshape(-1, 4), found.reshape(-1, 4))
        matched = greedy_matches(overlap, iou)
        scores.append(FileScore(file=name, truth=len(truth), found=len(found), matched=matched))
    found_total = sum(s.found for s in scores)
    truth_total = sum(s.truth for s in scores)
    matched_total = sum(s.matched for s in scores)
    return DetectionReport(
        iou=iou,
        precision=matched_total / found_total if found_total else 1.0,
        recall=matched_total / truth_total if truth_total else 1.0,
        files=tuple(scores),
    )


def greedy_matches(overlap: NDArray[np.float64], threshold: float) -> int:
    """Number of one-to-one pairs with IoU >= threshold, taking the best remaining pair first."""
    overlap = overlap.copy()
    matched = 0
    while overlap.size and overlap.max() >= threshold:
        row, col = np.unravel_index(int(overlap.argmax()), overlap.shape)
        overlap[row, :] = -1.0
        overlap[:, col] = -1.0
        matched += 1
    return matched
