"""Detector precision and recall against hand-labelled boxes (`faces.json`), by face size, with
the detector's speed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
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

# Face size buckets by the label's side (the square root of its area), pixels: small faces are
# those of crowds and group photos, large ones of portraits and selfies.
SIZE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("small", 0.0, 32.0),
    ("medium", 32.0, 96.0),
    ("large", 96.0, float("inf")),
)


@dataclass(frozen=True, slots=True)
class LabelledImage:
    """A picture with its faces' boxes.

    Attributes:
        name: File name, or what the picture was made of.
        pixels: (H, W, 3) uint8 BGR.
        boxes: (N, 4) float64 x, y, w, h in its pixels; (0, 4) when it shows no face.
    """

    name: str
    pixels: NDArray[np.uint8]
    boxes: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.pixels.ndim != 3 or self.pixels.shape[2] != 3:
            raise ValueError(f"pixels must be (H, W, 3), got {self.pixels.shape}")
        if self.boxes.ndim != 2 or self.boxes.shape[1] != 4:
            raise ValueError(f"boxes must be (N, 4), got {self.boxes.shape}")


@dataclass(frozen=True, slots=True)
class FileScore:
    """Matches in one labelled picture.

    Attributes:
        sides: The labels' sides, pixels (square root of the area), in label order.
        hits: Whether each label was found, in the same order.
        seconds: The detector's time on the picture.
    """

    file: str
    truth: int
    found: int
    matched: int
    sides: tuple[float, ...] = ()
    hits: tuple[bool, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SizeRecall:
    """Recall on the labels whose side is in [low, high) pixels."""

    name: str
    low: float
    high: float
    truth: int
    matched: int

    @property
    def recall(self) -> float | None:
        """Matched / labelled, None when no label has this size."""
        return self.matched / self.truth if self.truth else None


@dataclass(frozen=True, slots=True)
class DetectionReport:
    """Detector quality on a set of labelled pictures.

    Attributes:
        iou: IoU a detection needs with a label to count as found.
        precision: Matched detections / all detections.
        recall: Matched labels / all labels.
        files: Per-picture counts.
    """

    iou: float
    precision: float
    recall: float
    files: tuple[FileScore, ...]

    @property
    def faces_on_empty(self) -> int:
        """Detections on pictures labelled as having no face."""
        return sum(f.found for f in self.files if f.truth == 0)

    @property
    def seconds(self) -> float:
        """The detector's time on all the pictures (decoding not included)."""
        return sum(f.seconds for f in self.files)

    @property
    def faces_per_second(self) -> float:
        """Labelled faces the detector went through per second of its time."""
        seconds = self.seconds
        return sum(f.truth for f in self.files) / seconds if seconds > 0 else 0.0

    @property
    def sizes(self) -> tuple[SizeRecall, ...]:
        """Recall per `SIZE_BUCKETS` entry."""
        sides = np.array([s for f in self.files for s in f.sides], dtype=np.float64)
        hits = np.array([h for f in self.files for h in f.hits], dtype=bool)
        out = []
        for name, low, high in SIZE_BUCKETS:
            inside = (sides >= low) & (sides < high)
            out.append(SizeRecall(name, low, high, int(inside.sum()), int(hits[inside].sum())))
        return tuple(out)

    def recall_from(self, side: float) -> float | None:
        """Recall on the labels of at least `side` pixels, None when there are none."""
        pairs = [(s, h) for f in self.files for s, h in zip(f.sides, f.hits, strict=True)]
        hits = [h for s, h in pairs if s >= side]
        return sum(hits) / len(hits) if hits else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "iou": self.iou,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "faces_on_empty": self.faces_on_empty,
            "seconds": round(self.seconds, 4),
            "faces_per_second": round(self.faces_per_second, 1),
            "sizes": {
                s.name: {
                    "from": s.low,
                    "to": s.high if np.isfinite(s.high) else None,
                    "truth": s.truth,
                    "matched": s.matched,
                    "recall": None if s.recall is None else round(s.recall, 4),
                }
                for s in self.sizes
            },
            "files": [
                {
                    "file": f.file,
                    "truth": f.truth,
                    "found": f.found,
                    "matched": f.matched,
                    "ms": round(f.seconds * 1000, 1),
                }
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


def load_labelled(folder: Path, settings: Settings) -> list[LabelledImage]:
    """The pictures `faces.json` names, decoded, with their boxes, by file name.

    Raises:
        MediaError: No readable faces.json, or a picture that cannot be decoded.
    """
    return [
        LabelledImage(
            name=name,
            pixels=load_image(folder / name, settings).pixels,
            boxes=np.array(truth, dtype=np.float64).reshape(-1, 4),
        )
        for name, truth in sorted(load_labels(folder).items())
    ]


def evaluate_detector(
    detector: FaceDetector, folder: Path, settings: Settings, *, iou: float = 0.4
) -> DetectionReport:
    """Match detections to labels one-to-one, best IoU first, in every labelled photo."""
    return evaluate_images(detector, load_labelled(folder, settings), iou=iou)


def evaluate_images(
    detector: FaceDetector, images: Iterable[LabelledImage], *, iou: float = 0.4
) -> DetectionReport:
    """`evaluate_detector` on pictures already decoded (a folder's, or made by `crowd`)."""
    scores = []
    for image in images:
        started = time.perf_counter()
        detections = detector.detect(image.pixels)
        seconds = time.perf_counter() - started
        found = np.array([d.box for d in detections], dtype=np.float64).reshape(-1, 4)
        hits = matched_labels(iou_matrix(image.boxes, found), iou)
        sides = np.sqrt(image.boxes[:, 2] * image.boxes[:, 3])
        scores.append(
            FileScore(
                file=image.name,
                truth=len(image.boxes),
                found=len(found),
                matched=int(hits.sum()),
                sides=tuple(float(s) for s in sides),
                hits=tuple(bool(h) for h in hits),
                seconds=seconds,
            )
        )
    found_total = sum(s.found for s in scores)
    truth_total = sum(s.truth for s in scores)
    matched_total = sum(s.matched for s in scores)
    return DetectionReport(
        iou=iou,
        precision=matched_total / found_total if found_total else 1.0,
        recall=matched_total / truth_total if truth_total else 1.0,
        files=tuple(scores),
    )


def matched_labels(overlap: NDArray[np.float64], threshold: float) -> NDArray[np.bool_]:
    """(N,) which of N labels (rows) pair one-to-one with a detection (columns) at IoU >=
    threshold, taking the best remaining pair first."""
    rows, cols = np.nonzero(overlap >= threshold)
    order = np.argsort(-overlap[rows, cols], kind="stable")
    hits = np.zeros(overlap.shape[0], dtype=bool)
    used = np.zeros(overlap.shape[1], dtype=bool)
    for row, col in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if not hits[row] and not used[col]:
            hits[row] = used[col] = True
    return hits


def greedy_matches(overlap: NDArray[np.float64], threshold: float) -> int:
    """Number of one-to-one pairs with IoU >= threshold, taking the best remaining pair first."""
    return int(matched_labels(overlap, threshold).sum())
