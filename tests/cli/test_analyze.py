"""`emokognition analyze` and `eval` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from emokognition.cli import main
from emokognition.emotions import EMOTIONS
from tests.shared import FER2013_PUBLICTEST, PHOTOS, labelled_boxes


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "analyze", str(PHOTOS / "2008_001322.jpg"))
    assert code == 0
    assert "3 faces" in out
    assert out.count("%") >= 6  # main and alternative with their probabilities, per face


def test_json_is_the_result_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "analyze", str(PHOTOS / "justin_portrait.jpg"), "-f", "json")
    assert code == 0
    result = json.loads(out)
    assert list(result) == ["media", "model", "faces", "summary"]
    assert result["summary"]["faces"] == len(result["faces"]) == 1


def test_csv_has_a_row_per_face(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "analyze", str(PHOTOS / "2008_001322.jpg"), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3
    assert all(row["main"] in EMOTIONS and row["alternative"] in EMOTIONS for row in rows)
    assert sum(float(rows[0][name]) for name in EMOTIONS) == pytest.approx(1.0, abs=1e-4)


def test_folder_with_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(PHOTOS / "justin_portrait.jpg", tmp_path / "a.jpg")
    shutil.copy(PHOTOS / "2008_001009.jpg", tmp_path / "b.jpg")
    (tmp_path / "c.jpg").write_bytes(b"not a jpeg at all")
    (tmp_path / "notes.txt").write_text("ignored: not an image suffix")
    code, out, err = _run(capsys, "analyze", str(tmp_path), "--format", "jsonl")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [Path(line["input"]).name for line in lines] == ["a.jpg", "b.jpg", "c.jpg"]
    assert "result" in lines[0] and "result" in lines[1]
    assert "not a supported image" in lines[2]["error"]
    assert "1 of 3 failed" in err and "c.jpg" in err


def test_annotate_writes_a_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.png"
    code, _, _ = _run(capsys, "analyze", str(PHOTOS / "2008_001322.jpg"), "--annotate", str(target))
    assert code == 0
    drawn, original = cv2.imread(str(target)), cv2.imread(str(PHOTOS / "2008_001322.jpg"))
    assert drawn is not None and original is not None
    assert drawn.shape == original.shape
    assert (cv2.absdiff(drawn, original) > 40).any()  # boxes and labels were drawn


@pytest.mark.parametrize("detector", ["haar", "dlib"])
def test_detector_choice(capsys: pytest.CaptureFixture[str], detector: str) -> None:
    code, out, _ = _run(
        capsys, "analyze", str(PHOTOS / "obama_portrait.jpg"), "-d", detector, "-f", "json"
    )
    assert code == 0
    assert json.loads(out)["model"]["detector"] == detector


def test_missing_file_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "analyze", "/nonexistent/photo.jpg")
    assert code == 1
    assert "no such file" in err and "Traceback" not in err


def test_eval_fer2013(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "eval", "fer2013", str(FER2013_PUBLICTEST), "--limit", "300", "-f", "json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["samples"] == 300
    assert 0.5 < report["top1"] < report["top2"] <= 1.0
    assert sum(map(sum, report["confusion"])) == 300


def test_eval_fer2013_without_the_mirror(capsys: pytest.CaptureFixture[str]) -> None:
    confusion = {}
    for flag in ("--mirror", "--no-mirror"):
        args = ("eval", "fer2013", str(FER2013_PUBLICTEST), "--limit", "600", flag)
        code, out, _ = _run(capsys, *args)
        assert code == 0 and ("mirror-averaged" in out) == (flag == "--mirror")
        code, out, _ = _run(capsys, *args, "-f", "json")
        confusion[flag] = json.loads(out)["confusion"]
    assert confusion["--mirror"] != confusion["--no-mirror"]


@pytest.mark.parametrize("classifier", ["mini-xception-fer2013", "emonet32-fer2013"])
def test_eval_fer2013_names_the_classifier_and_its_calibration(
    capsys: pytest.CaptureFixture[str], classifier: str
) -> None:
    args = ("eval", "fer2013", str(FER2013_PUBLICTEST), "--limit", "400", "-c", classifier)
    code, out, _ = _run(capsys, *args)
    assert code == 0 and out.startswith(f"{classifier} on 400 crops") and "ECE" in out
    assert "FER+ majority agreement" in out and "cross-entropy against the FER+ votes" in out
    code, out, _ = _run(capsys, *args, "-f", "json")
    report = json.loads(out)
    assert report["classifier"] == classifier and 0 <= report["ece"] < 0.2
    assert 0.4 < report["ferplus"]["agreement"] <= 1.0


def test_eval_pipeline_pastes_faces_upright_and_turned(capsys: pytest.CaptureFixture[str]) -> None:
    background = str(PHOTOS / "horses_noface.jpg")
    args = ("eval", "pipeline", str(FER2013_PUBLICTEST), "--limit", "24", "--background")
    code, out, _ = _run(capsys, *args, background, "-f", "json")
    assert code == 0, out
    cells = {(c["rotated"], c["aligned"]): c for c in json.loads(out)["cells"]}
    assert set(cells) == {(r, a) for r in (False, True) for a in (False, True)}
    assert all(c["faces"] == 24 and 0 < c["found"] <= 24 for c in cells.values())
    assert all(0 <= c["correct"] <= c["found"] for c in cells.values())


def test_eval_faces(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "eval", "faces", str(PHOTOS), "-f", "json")
    assert code == 0
    report = json.loads(out)
    assert report["detector"] == "blazeface" and report["recall"] >= 0.9


@pytest.mark.parametrize("option", ["--tiles=2", "--detect-size=320"])
def test_tiles_or_a_larger_input_raise_the_single_passs_recall(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """One 192 px pass (--min-face 0, the default before the adaptive pyramid) misses a face
    of the shared photos; tiles or a larger input find it, as the default does."""
    recall = {}
    for given in ([], ["--min-face=0"], ["--min-face=0", option]):
        args = ["eval", "faces", str(PHOTOS), "-f", "json", *given]
        code, out, _ = _run(capsys, *args)
        assert code == 0
        recall[" ".join(given)] = json.loads(out)["recall"]
    assert recall["--min-face=0"] < recall[f"--min-face=0 {option}"] == recall[""] == 1.0
    name = option.split("=")[0]
    with pytest.raises(SystemExit) as stopped:  # an option's value is checked by argparse
        main(["analyze", str(PHOTOS / "2008_001322.jpg"), f"{name}=-1"])
    assert stopped.value.code != 0 and "must not be negative" in capsys.readouterr().err


def test_entry_point_is_installed() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("emokognition")), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("emokognition ")


def test_a_smallest_face_too_small_for_the_input_cap_is_said_once(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Faces of 1 px in a 910x1137 portrait would need 1,000 megapixels of detector input:
    searched as far as the cap allows (faces of 6 px), with one warning (the command line
    prints it on stderr); the portrait's face is found all the same."""
    args = ["analyze", str(PHOTOS / "obama_portrait.jpg"), "--format", "json"]
    with caplog.at_level(logging.WARNING, logger="emokognition.vision.blazeface"):
        code, out, _ = _run(capsys, *args, "--min-face", "1", "--pyramid", "full")
    assert code == 0
    (x, y, w, h), *_ = labelled_boxes()["obama_portrait.jpg"]
    found = [face["box"] for face in json.loads(out)["faces"]]
    assert any(abs(fx - x) < w / 4 and abs(fy - y) < h / 4 for fx, fy, _, _ in found)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "faces of 1 px in a 910x1137 picture need more than 12.0 megapixels" in warnings[0]
    assert "searching for faces of 6 px and more" in warnings[0]
