"""The whole pipeline on FER2013 faces pasted into a photo: found, and classified right?

Each face is upscaled (48 -> 160 px), pasted upright and, in a second scene, turned by a seeded
random angle within +-25 degrees, six to a copy of a background photo with no face of its own
(../shared/data/photos/horses_noface.jpg), spaced so that no two overlap. Every scene goes
through the `Analyzer`'s detector once and its classifier twice: crops upright, and crops
turned so the eyes are level (where the detector gives eye keypoints). A face is found when a
detection overlaps its pasted square by IoU >= 0.4 (one-to-one, best first).
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.boxes import iou_matrix
from emokognition.vision.faces import Detection

logger = logging.getLogger(__name__)

# Three by two faces of 160 px in a 705x470 scene: BlazeFace (full range, 192 px input) found
# the most FER2013 faces at this scale; at 940 px wide it found a third fewer, at 470 a fifth.
COLUMNS, ROWS = 3, 2


@dataclass(frozen=True, slots=True)
class PipelineCell:
    """One condition: faces pasted upright or turned, crops aligned or not.

    Attributes:
        rotated: The faces were turned by a random angle.
        aligned: The crops were turned back so the eyes are level.
        faces: Faces pasted.
        found: Faces a detection matched.
        correct: Found faces whose main emotion is the FER2013 label.
        with_keypoints: Found faces whose detection had eye keypoints (only these can align).
    """

    rotated: bool
    aligned: bool
    faces: int
    found: int
    correct: int
    with_keypoints: int

    @property
    def found_share(self) -> float:
        return self.found / self.faces if self.faces else 0.0

    @property
    def accuracy(self) -> float:
        """Top-1 among the found faces."""
        return self.correct / self.found if self.found else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rotated": self.rotated,
            "aligned": self.aligned,
            "faces": self.faces,
            "found": self.found,
            "correct": self.correct,
            "with_keypoints": self.with_keypoints,
            "found_share": round(self.found_share, 4),
            "accuracy": round(self.accuracy, 4),
        }


@dataclass(frozen=True, slots=True)
class PipelineReport:
    """The four conditions (upright / rotated x plain / aligned) of one run."""

    detector: str
    classifier: str
    face_size: int
    max_angle: float
    iou: float
    seed: int
    cells: tuple[PipelineCell, ...]

    def cell(self, *, rotated: bool, aligned: bool) -> PipelineCell:
        """The condition asked for.

        Raises:
            KeyError: It was not measured.
        """
        for cell in self.cells:
            if (cell.rotated, cell.aligned) == (rotated, aligned):
                return cell
        raise KeyError(f"no condition rotated={rotated}, aligned={aligned}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "classifier": self.classifier,
            "face_size": self.face_size,
            "max_angle": self.max_angle,
            "iou": self.iou,
            "seed": self.seed,
            "cells": [cell.to_dict() for cell in self.cells],
        }


@dataclass(frozen=True, slots=True)
class _Scene:
    image: NDArray[np.uint8]  # (H, W, 3) BGR
    boxes: NDArray[np.float64]  # (K, 4) x, y, w, h of the pasted squares
    labels: NDArray[np.int64]  # (K,)


def evaluate_pipeline(
    analyzer: Analyzer,
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    background: Path | NDArray[np.uint8],
    *,
    limit: int = 0,
    face_size: int = 160,
    max_angle: float = 25.0,
    iou: float = 0.4,
    seed: int = 0,
) -> PipelineReport:
    """Paste FER2013 faces into a photo, upright and turned, and run them through `analyzer`.

    Args:
        analyzer: Its detector and classifier are used; it is not changed.
        images: (N, H, W) uint8 gray faces; labels: (N,) their FER2013 labels 0..6.
        background: A photo without faces (path or (H, W, 3) uint8 BGR array).
        limit: Use only the first `limit` faces (0: all).
        face_size: Side the faces are upscaled to, pixels.
        max_angle: Turned faces get an angle uniform in [-max_angle, max_angle] degrees.
        iou: Overlap a detection needs with a pasted square to count as finding it.
        seed: Seeds the angles.

    Raises:
        MediaError: The background cannot be read.
        ValueError: `images` and `labels` do not match.
    """
    if images.ndim != 3 or labels.shape != (len(images),):
        raise ValueError(
            f"expected (N, H, W) images and (N,) labels, got {images.shape}, {labels.shape}"
        )
    if limit:
        images, labels = images[:limit], labels[:limit]
    backdrop = _background(background)
    angles = np.random.default_rng(seed).uniform(-max_angle, max_angle, len(images))
    plain, aligned = copy.copy(analyzer), copy.copy(analyzer)
    plain.align_crops, aligned.align_crops = False, True
    cells = []
    for rotated in (False, True):
        counts = {False: np.zeros(4, np.int64), True: np.zeros(4, np.int64)}
        per = COLUMNS * ROWS
        for start in range(0, len(images), per):
            scene = _scene(
                backdrop,
                images[start : start + per],
                labels[start : start + per],
                angles[start : start + per] if rotated else np.zeros(per),
                face_size,
            )
            detections = analyzer.detector.detect(scene.image)
            for align, which in ((False, plain), (True, aligned)):
                counts[align] += _score(which, scene, detections, iou)
        for align in (False, True):
            faces, found, correct, keyed = (int(v) for v in counts[align])
            cells.append(PipelineCell(rotated, align, faces, found, correct, keyed))
    report = PipelineReport(
        detector=analyzer.detector.name,
        classifier=analyzer.classifier.name,
        face_size=face_size,
        max_angle=max_angle,
        iou=iou,
        seed=seed,
        cells=tuple(cells),
    )
    logger.info("pipeline evaluation of %d faces: %s", len(images), report.to_dict()["cells"])
    return report


def _background(source: Path | NDArray[np.uint8]) -> NDArray[np.uint8]:
    loaded: NDArray[Any] | None = (
        source if isinstance(source, np.ndarray) else cv2.imread(str(source), cv2.IMREAD_COLOR)
    )
    if loaded is None:
        raise MediaError(f"cannot read the background photo {source}")
    if loaded.ndim != 3 or loaded.shape[2] != 3 or loaded.dtype != np.uint8:
        raise MediaError(f"the background must be (H, W, 3) uint8 BGR, got {loaded.shape}")
    return np.asarray(loaded, dtype=np.uint8)


def _scene(
    backdrop: NDArray[np.uint8],
    faces: NDArray[np.uint8],
    labels: NDArray[np.int64],
    angles: NDArray[np.float64],
    face_size: int,
) -> _Scene:
    """Up to COLUMNS x ROWS faces on the backdrop, each in a cell that holds it at any angle."""
    cell = math.ceil(face_size * math.sqrt(2.0)) + 8
    image = cv2.resize(backdrop, (COLUMNS * cell, ROWS * cell), interpolation=cv2.INTER_AREA)
    boxes = []
    square = np.full((face_size, face_size), 255, np.uint8)
    for k, (face, angle) in enumerate(zip(faces, angles, strict=False)):
        row, column = divmod(k, COLUMNS)
        x0, y0 = column * cell, row * cell
        big = cv2.resize(face, (face_size, face_size), interpolation=cv2.INTER_CUBIC)
        # Turn about the face centre into the middle of its cell; the mask keeps the corners
        # outside the turned square from painting black over the backdrop.
        turn = cv2.getRotationMatrix2D((face_size / 2.0 - 0.5,) * 2, float(angle), 1.0)
        matrix = np.asarray(turn, dtype=np.float64)
        matrix[:, 2] += (cell - face_size) / 2.0
        pasted = cv2.warpAffine(cv2.cvtColor(big, cv2.COLOR_GRAY2BGR), matrix, (cell, cell))
        mask = cv2.warpAffine(square, matrix, (cell, cell))[:, :, None] / np.float32(255.0)
        region = image[y0 : y0 + cell, x0 : x0 + cell]
        region[:] = np.asarray(pasted * mask + region * (1.0 - mask), dtype=np.uint8)
        offset = (cell - face_size) / 2.0
        boxes.append((x0 + offset, y0 + offset, face_size, face_size))
    return _Scene(
        image=np.asarray(image, dtype=np.uint8),
        boxes=np.array(boxes, np.float64).reshape(-1, 4),
        labels=labels,
    )


def _score(
    analyzer: Analyzer, scene: _Scene, detections: list[Detection], threshold: float
) -> NDArray[np.int64]:
    """[faces, found, correct, found with keypoints] of one scene."""
    found = _matches(scene.boxes, detections, threshold)
    # classify() returns faces best score first (stable, on the score rounded as in Face):
    # hand it the matches in that order already, so its faces pair with them.
    ranked = sorted(found.items(), key=lambda pair: -round(detections[pair[1]].score, 4))
    matched = [detections[j] for _, j in ranked]
    faces = analyzer.classify(scene.image, matched)
    correct = sum(
        EMOTIONS.index(face.main) == int(scene.labels[i])
        for (i, _), face in zip(ranked, faces, strict=True)
    )
    keyed = sum(len(getattr(d, "keypoints", ())) >= 2 for d in matched)
    return np.array([len(scene.boxes), len(found), correct, keyed], np.int64)


def _matches(
    truth: NDArray[np.float64], detections: list[Detection], threshold: float
) -> dict[int, int]:
    """Pasted face -> detection index, one-to-one, best IoU first, each >= threshold."""
    found = np.array([d.box for d in detections], np.float64).reshape(-1, 4)
    overlap = iou_matrix(truth, found)
    pairs: dict[int, int] = {}
    while overlap.size and overlap.max() >= threshold:
        i, j = np.unravel_index(int(overlap.argmax()), overlap.shape)
        pairs[int(i)] = int(j)
        overlap[i, :] = -1.0
        overlap[:, j] = -1.0
    return dict(sorted(pairs.items()))


def format_pipeline_report(report: PipelineReport) -> list[str]:
    """The report as plain text lines: one per condition, then the rotation and alignment gaps."""
    lines = [
        f"{report.detector} + {report.classifier}: FER2013 faces at {report.face_size} px in "
        f"a photo, turned within +-{report.max_angle:g} degrees, found at IoU >= {report.iou:g}"
    ]
    for cell in report.cells:
        pose = "rotated" if cell.rotated else "upright"
        crop = "aligned" if cell.aligned else "plain  "
        lines.append(
            f"{pose} {crop}: found {cell.found}/{cell.faces} ({cell.found_share:.1%}), "
            f"accuracy {cell.accuracy:.1%} of found ({cell.with_keypoints} with eye keypoints)"
        )
    for aligned in (False, True):
        upright = report.cell(rotated=False, aligned=aligned).accuracy
        rotated = report.cell(rotated=True, aligned=aligned).accuracy
        crop = "aligned" if aligned else "plain"
        lines.append(f"{crop} crops: rotation costs {100 * (upright - rotated):+.1f} points")
    return lines
