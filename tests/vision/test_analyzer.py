"""The whole core on real photos: every source kind, threads, orientation, the contract."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

import emokognition
from emokognition.emotions import EMOTIONS
from emokognition.errors import CorruptMedia, MediaError
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.boxes import iou_matrix
from tests.shared import PHOTOS, SAMPLE_PHOTO, labelled_boxes


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_result_follows_the_contract(analyzer: Analyzer) -> None:
    result = analyzer.analyze(PHOTOS / "2008_001322.jpg").to_dict()
    assert list(result) == ["media", "model", "faces", "summary"]
    assert result["media"]["kind"] == "image"
    assert (result["media"]["width"], result["media"]["height"]) == (500, 375)
    assert result["model"] == {"detector": "blazeface", "classifier": "emonet32-fer2013"}
    assert len(result["faces"]) == 3
    for face in result["faces"]:
        assert all(isinstance(v, int) for v in face["box"])
        assert list(face["emotions"]) == list(EMOTIONS)
        assert sum(face["emotions"].values()) == pytest.approx(1.0, abs=1e-4)
        ranked = sorted(face["emotions"], key=face["emotions"].get, reverse=True)
        assert [face["main"], face["alternative"]] == ranked[:2]
    assert result["summary"]["faces"] == 3
    assert sum(result["summary"]["main"].values()) == 3
    assert sum(result["summary"]["alternative"].values()) == 3


def test_every_source_kind_gives_the_same_faces(analyzer: Analyzer) -> None:
    path = PHOTOS / "2008_001009.jpg"
    data = path.read_bytes()
    pixels = np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].copy()
    by_path = analyzer.analyze(path)
    by_str = analyzer.analyze(str(path))
    by_bytes = analyzer.analyze(data)
    by_array = analyzer.analyze(pixels)
    assert by_path.faces == by_str.faces == by_bytes.faces == by_array.faces
    assert by_bytes.media.sha256 == by_path.media.sha256
    assert by_array.media.format == "array"


def test_happy_sample_photo(analyzer: Analyzer) -> None:
    """The packaged sample: one face, and the classifier does not call it angry or sad."""
    result = analyzer.analyze(SAMPLE_PHOTO)
    assert len(result.faces) == 1
    assert result.faces[0].main in ("neutral", "happy", "surprised")


def test_exif_rotated_photo_gives_upright_boxes(analyzer: Analyzer) -> None:
    image = Image.open(PHOTOS / "obama_portrait.jpg")
    # Store the picture rotated, with EXIF saying how to turn it upright again.
    stored = image.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    result = analyzer.analyze(buffer.getvalue())
    assert (result.media.width, result.media.height) == image.size
    truth = np.array(labelled_boxes()["obama_portrait.jpg"], dtype=np.float64)
    assert len(result.faces) == 1
    assert iou_matrix(truth, np.array([result.faces[0].box], dtype=np.float64))[0, 0] >= 0.4


def test_threads_share_one_analyzer(analyzer: Analyzer) -> None:
    names = ["2007_007763.jpg", "2008_001322.jpg", "obama_portrait.jpg", "justin_portrait.jpg"]
    alone = {name: analyzer.analyze(PHOTOS / name).faces for name in names}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: (n, analyzer.analyze(PHOTOS / n).faces), names * 6))
    for name, faces in results:
        assert faces == alone[name]


def test_no_face_photo(analyzer: Analyzer) -> None:
    result = analyzer.analyze(PHOTOS / "horses_noface.jpg")
    assert result.faces == ()
    assert result.to_dict()["summary"] == {"faces": 0, "main": {}, "alternative": {}}


def test_bad_input_is_a_media_error_and_the_analyzer_goes_on(analyzer: Analyzer) -> None:
    with pytest.raises(CorruptMedia):
        analyzer.analyze(b"")
    with pytest.raises(MediaError, match="no such file"):
        analyzer.analyze(PHOTOS / "missing.jpg")
    assert len(analyzer.analyze(PHOTOS / "justin_portrait.jpg").faces) == 1


def test_module_level_function() -> None:
    result = emokognition.analyze_image(PHOTOS / "justin_portrait.jpg", detector="haar")
    assert result.model.detector == "haar"
    assert len(result.faces) == 1
