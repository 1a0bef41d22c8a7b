"""Image results as DataFrames and as pictures in a notebook, on real photos."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from emokognition.emotions import EMOTIONS
from emokognition.vision.analyzer import Analyzer
from tests.shared import PHOTOS, labelled_boxes


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_one_row_per_face_with_the_contract_values(analyzer: Analyzer) -> None:
    name = max(labelled_boxes(), key=lambda file: len(labelled_boxes()[file]))
    result = analyzer.analyze(PHOTOS / name)
    assert len(result.faces) >= 2
    table = result.to_frame()
    assert list(table.columns) == ["x", "y", "w", "h", "score", *EMOTIONS, "main", "alternative"]
    assert len(table) == len(result.faces)
    for row, face in zip(table.itertuples(index=False), result.faces, strict=True):
        assert (row.x, row.y, row.w, row.h) == face.box
        assert row.main == face.main
        assert [getattr(row, e) for e in EMOTIONS] == pytest.approx(list(face.emotions.values()))
    assert table[list(EMOTIONS)].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-4)
    assert list(table["main"].cat.categories) == list(EMOTIONS)


def test_a_photo_without_faces_is_an_empty_typed_frame(analyzer: Analyzer) -> None:
    table = analyzer.analyze(PHOTOS / "horses_noface.jpg").to_frame()
    assert table.empty
    assert table["happy"].dtype == np.float64


def test_notebook_shows_the_annotated_photo(analyzer: Analyzer) -> None:
    path = PHOTOS / "obama_portrait.jpg"
    result = analyzer.analyze(path)
    png = result._repr_png_()
    assert png is not None and png.startswith(b"\x89PNG")
    drawn = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    original = cv2.imread(str(path))
    assert drawn is not None and original is not None
    assert drawn.shape == original.shape
    x, y, _, h = result.faces[0].box
    # The face's frame is drawn on its box edge: the pixels there changed, far corners did not.
    edge = (slice(y, y + h), slice(x, x + 2))
    assert np.abs(drawn[edge].astype(int) - original[edge].astype(int)).mean() > 20
    assert np.abs(drawn[-5:, -5:].astype(int) - original[-5:, -5:].astype(int)).mean() < 8


def test_without_pandas_to_frame_is_one_line_naming_the_extra() -> None:
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # as if pandas were not installed
        "from emokognition.vision.analyzer import Analyzer\n"
        "from emokognition.errors import MissingExtra\n"
        f"result = Analyzer().analyze({str(PHOTOS / 'obama_portrait.jpg')!r})\n"
        "try:\n    result.to_frame()\nexcept MissingExtra as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "DataFrames needs the pandas extra: pip install 'emokognition[pandas]'\n"
