"""The whole-pipeline evaluation on real FER2013 faces pasted into the shared no-face photo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from emokognition.config import Settings
from emokognition.errors import MediaError
from emokognition.evaluation.fer2013 import load_fer2013
from emokognition.evaluation.pipeline import (
    PipelineReport,
    evaluate_pipeline,
    format_pipeline_report,
)
from emokognition.vision.analyzer import Analyzer
from tests.shared import FER2013_PUBLICTEST, PHOTOS

BACKGROUND = PHOTOS / "horses_noface.jpg"
LIMIT = 42  # seven scenes of six faces

Faces = tuple[NDArray[np.uint8], NDArray[np.int64]]


@pytest.fixture(scope="module")
def faces() -> Faces:
    return load_fer2013(FER2013_PUBLICTEST)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(settings=Settings())


@pytest.fixture(scope="module")
def report(analyzer: Analyzer, faces: Faces) -> PipelineReport:
    return evaluate_pipeline(analyzer, *faces, BACKGROUND, limit=LIMIT)


def test_four_conditions_on_the_same_faces(report: PipelineReport) -> None:
    assert (report.detector, report.classifier) == ("blazeface", "emonet32-fer2013")
    assert [(c.rotated, c.aligned) for c in report.cells] == [
        (False, False),
        (False, True),
        (True, False),
        (True, True),
    ]
    for cell in report.cells:
        assert cell.faces == LIMIT
        assert 0 <= cell.correct <= cell.found <= cell.faces
        # BlazeFace gives its keypoints on every detection or on none.
        assert cell.with_keypoints in (0, cell.found)
    for rotated in (False, True):
        # One detector run per scene serves both crops: the same faces are found.
        plain = report.cell(rotated=rotated, aligned=False)
        aligned = report.cell(rotated=rotated, aligned=True)
        assert plain.found == aligned.found
    upright = report.cell(rotated=False, aligned=False)
    # On all of PublicTest BlazeFace finds 47 % of the pasted faces upright, 39 % turned, and
    # mini-Xception names 67 % of those it finds right.
    assert upright.found_share > 0.25
    assert upright.accuracy > 0.35


def test_report_is_json_and_text(report: PipelineReport) -> None:
    out = json.loads(json.dumps(report.to_dict()))
    assert out["face_size"] == 160 and out["max_angle"] == 25.0 and out["iou"] == 0.4
    assert len(out["cells"]) == 4 and out["cells"][0]["faces"] == LIMIT
    lines = format_pipeline_report(report)
    assert len(lines) == 7 and lines[0].startswith("blazeface + emonet32-fer2013")
    assert lines[1].startswith(f"upright plain  : found {report.cells[0].found}/{LIMIT} (")
    assert lines[-1].startswith("aligned crops: rotation costs ")


def test_seeded_and_leaves_the_analyzer_alone(
    analyzer: Analyzer, faces: Faces, report: PipelineReport
) -> None:
    align = analyzer.align_crops
    again = evaluate_pipeline(analyzer, *faces, BACKGROUND, limit=LIMIT)
    assert again == report
    assert analyzer.align_crops == align
    # Another seed turns the faces by other angles; the upright scenes do not depend on it.
    others = [evaluate_pipeline(analyzer, *faces, BACKGROUND, limit=LIMIT, seed=s) for s in (1, 2)]
    for other in others:
        assert other.cell(rotated=False, aligned=False) == report.cell(rotated=False, aligned=False)
    assert any(other.cells[2:] != report.cells[2:] for other in others)


def test_other_detectors_and_classifiers(faces: Faces) -> None:
    analyzer = Analyzer("haar", settings=Settings(classifier="emonet32-fer2013"))
    report = evaluate_pipeline(analyzer, *faces, BACKGROUND, limit=12, max_angle=10.0)
    assert (report.detector, report.classifier) == ("haar", "emonet32-fer2013")
    assert all(cell.faces == 12 and cell.with_keypoints == 0 for cell in report.cells)


def test_bad_inputs(analyzer: Analyzer, faces: Faces, tmp_path: Path) -> None:
    images, labels = faces
    with pytest.raises(MediaError, match="cannot read the background photo"):
        evaluate_pipeline(analyzer, images, labels, tmp_path / "missing.jpg", limit=6)
    with pytest.raises(MediaError, match=r"\(H, W, 3\) uint8 BGR"):
        evaluate_pipeline(analyzer, images, labels, np.zeros((50, 50), np.uint8), limit=6)
    with pytest.raises(ValueError, match="expected"):
        evaluate_pipeline(analyzer, images, labels[:10], BACKGROUND)
