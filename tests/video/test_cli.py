"""`emokognition analyze` on videos: table, json, csv, jsonl, annotated video, plot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import av
import pytest

from emokognition.cli import main
from emokognition.emotions import EMOTIONS
from tests.shared import SAMPLE_PHOTO
from tests.video.media import WOMAN


def test_table_per_track(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(WOMAN), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "woman_talking.mp4" in out and "1 tracks" in out and "0.0-4.4 s" in out


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(WOMAN), "--every", "10", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sampling"] == {"every": 10} and len(out["frames"]) == 12
    assert out["tracks"][0]["id"] == 1 and out["summary"]["tracks"] == 1


def test_csv_row_per_face_per_frame(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(WOMAN), "--fps", "2", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 10
    assert list(rows[0]) == [
        "input", "frame", "t", "track", "x", "y", "w", "h", "score", *EMOTIONS, "main",
        "alternative",
    ]  # fmt: skip
    assert (rows[1]["frame"], rows[1]["t"], rows[1]["track"]) == ("13", "0.520", "1")
    assert sum(float(rows[0][e]) for e in EMOTIONS) == pytest.approx(1.0, abs=1e-4)


def test_mixed_photo_and_video(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(SAMPLE_PHOTO), str(WOMAN), "--fps", "1", "-f", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert ["faces" in line["result"] for line in lines] == [True, False]
    assert "tracks" in lines[1]["result"]


def test_annotate_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video, plot = tmp_path / "out.mp4", tmp_path / "out.png"
    code = main(["analyze", str(WOMAN), "--annotate", str(video), "--plot", str(plot), "-q"])
    assert code == 0
    with av.open(str(video)) as out:
        assert sum(1 for _ in out.decode(video=0)) == 115
    assert plot.stat().st_size > 10_000


def test_bad_video_fails_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(WOMAN.read_bytes()[:5000])
    assert main(["analyze", str(broken), "--quiet"]) == 1
    assert "cannot open video" in capsys.readouterr().err


def test_sampling_options_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", str(WOMAN), "--fps", "2", "--every", "3"])
    assert "not allowed with" in capsys.readouterr().err
