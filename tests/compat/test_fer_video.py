"""`emokognition.compat.fer.Video` against fer 25.10's documented behaviour, on real videos."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import cv2
import pandas as pd
import pytest

from emokognition.compat.fer import FER, Video
from emokognition.errors import MediaError
from tests.compat.test_fer import FER_KEYS, read
from tests.shared import PHOTOS, VIDEOS

WOMAN = VIDEOS / "woman_talking.mp4"  # fer's own test.mp4: one face, 115 frames, 596x336
STAGE = VIDEOS / "hamilton_stage.mp4"  # 1 to several faces, 275 frames
ROW_KEYS = {"box0", *(f"{name}0" for name in FER_KEYS)}


@pytest.fixture(scope="module")
def detector() -> FER:
    return FER()


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fer writes data.csv into the working directory: a test's own."""
    monkeypatch.chdir(tmp_path)


def frame_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()


def test_readme_example_runs_unchanged(tmp_path: Path) -> None:
    # fer's README and video-example.py, with only the import changed
    video_filename = str(WOMAN)
    video = Video(video_filename)

    detector = FER(mtcnn=True)
    raw_data = video.analyze(detector, display=True)  # no window here: a warning, not an error
    df = video.to_pandas(raw_data)
    df = video.get_first_face(df)
    df = video.get_emotions(df)

    assert isinstance(raw_data, list) and len(raw_data) == 115  # a face on every frame
    assert all(set(row) == ROW_KEYS for row in raw_data)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == FER_KEYS and len(df) == 115
    # fer's outputs: data.csv here, the annotated video and the zipped frames in output/
    with (tmp_path / "data.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == sorted(ROW_KEYS)
    assert [float(row["happy0"]) for row in rows] == [row["happy0"] for row in raw_data]
    assert frame_count(tmp_path / "output" / "woman_talking_output.mp4") == 115
    with zipfile.ZipFile(tmp_path / "output" / "images.zip") as archive:
        names = archive.namelist()
    assert names[:2] == ["woman_talking0.jpg", "woman_talking1.jpg"] and len(names) == 115
    assert not list((tmp_path / "output").glob("*.jpg"))


def test_fers_own_video_test(tmp_path: Path, detector: FER) -> None:
    # fer's tests/test_fer.py::test_video, less its expectation of neutral on another clip
    video = Video(str(WOMAN), outdir=str(tmp_path))
    raw_data = video.analyze(
        detector, display=False, frequency=10, save_frames=False, save_video=False
    )
    assert isinstance(raw_data, list)
    df = video.to_pandas(raw_data)
    assert isinstance(df, pd.DataFrame)
    assert "angry" in df
    df = video.get_first_face(df)
    assert isinstance(df, pd.DataFrame)
    df = video.get_emotions(df)
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 12  # frames 0, 10, ..., 110
    for _, row in df.iterrows():
        assert sum(row) == pytest.approx(1.0, abs=0.04)


def test_pandas_output_with_max_results_writes_nothing(tmp_path: Path, detector: FER) -> None:
    outdir = tmp_path / "out"
    video = Video(WOMAN, outdir=outdir)
    df = video.analyze(
        detector,
        output="pandas",
        frequency=5,
        max_results=4,
        save_frames=False,
        save_video=False,
    )
    assert isinstance(df, pd.DataFrame) and len(df) == 4
    assert list(df.columns) == ["box", *FER_KEYS]
    assert all(len(box) == 4 for box in df["box"])
    assert list(outdir.iterdir()) == []


def test_every_face_when_not_first_face_only(tmp_path: Path, detector: FER) -> None:
    video = Video(str(STAGE), outdir=str(tmp_path), first_face_only=False)
    raw_data = video.analyze(detector, frequency=25, save_frames=False, save_video=False)
    assert any("box1" in row for row in raw_data)  # the audience shots
    with (tmp_path / "data.csv").open() as file:
        header = next(csv.reader(file))
    faces = max(sum(key.startswith("box") for key in row) for row in raw_data)
    assert len(header) == 8 * faces  # by name, then face: angry0, angry1, ..., box0, box1, ...
    assert header[:faces] == [f"angry{i}" for i in range(faces)]
    assert header[faces : 2 * faces] == [f"box{i}" for i in range(faces)]
    df = video.to_pandas(raw_data)
    assert {"box1", "happy1"} <= set(df.columns)
    first = Video.get_first_face(df)
    assert list(first.columns) == ["box", *FER_KEYS]
    assert Video.get_first_face(first) is first  # already one face
    assert list(Video.get_emotions(df).columns) == [c for c in df.columns if "box" not in c]


def test_detection_box_gives_boxes_in_the_whole_frame(tmp_path: Path, detector: FER) -> None:
    box = {"x_min": 200, "x_max": 596, "y_min": 0, "y_max": 336}  # the right part, with the face
    video = Video(str(WOMAN), outdir=str(tmp_path))
    raw_data = video.analyze(
        detector, frequency=20, detection_box=box, save_frames=False, save_video=False
    )
    whole = video.analyze(detector, frequency=20, save_frames=False, save_video=False)
    assert len(raw_data) == len(whole) == 6
    for cropped, full in zip(raw_data, whole, strict=True):
        assert cropped["box0"][0] >= 200
        assert abs(cropped["box0"][0] - full["box0"][0]) <= 6  # the same face, about


def test_frames_and_video_under_their_names(tmp_path: Path, detector: FER) -> None:
    temp = tmp_path / "partial.mp4"
    video = Video(str(WOMAN), outdir=str(tmp_path / "out"), tempfile=str(temp))
    video.analyze(detector, frequency=30, video_id="clip", zip_images=False, lang="de")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.glob("*.jpg")) == [f"clip{i}.jpg" for i in (0, 30, 60, 90)]
    assert not temp.exists() and frame_count(out / "woman_talking_output.mp4") == 4
    assert read(out / "clip0.jpg").shape == (336, 596, 3)


def test_save_fps_picks_the_frequency(tmp_path: Path, detector: FER) -> None:
    video = Video(str(WOMAN), outdir=str(tmp_path))
    raw_data = video.analyze(detector, save_fps=2, save_frames=False, save_video=False)
    assert len(raw_data) == 10  # ~24.7 fps // 2 = every 12th of 115 frames


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"output": "json"}, ValueError, "unknown output 'json'"),
        ({"frequency": 0}, ValueError, "at least 1"),
        ({"lang": "fr"}, ValueError, "unknown lang 'fr'"),
    ],
)
def test_bad_arguments(
    tmp_path: Path, detector: FER, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    video = Video(str(WOMAN), outdir=str(tmp_path))
    with pytest.raises(error, match=message):
        video.analyze(detector, max_results=1, save_video=False, **kwargs)  # type: ignore[arg-type]


def test_missing_or_not_a_video(tmp_path: Path, detector: FER) -> None:
    with pytest.raises(MediaError, match="Video file not found"):
        Video(str(tmp_path / "missing.mp4"), outdir=str(tmp_path))
    with pytest.raises(MediaError):
        Video(str(PHOTOS / "justin_portrait.jpg"), outdir=str(tmp_path)).analyze(detector)


def test_no_rows(tmp_path: Path) -> None:
    video = Video(str(WOMAN), outdir=str(tmp_path))
    assert video.to_pandas([]).empty
    assert video.to_csv([], tmp_path / "empty.csv") == []
    df = pd.DataFrame({"angry": [0.5]})
    assert video.to_pandas(df) is df
    with pytest.raises(TypeError, match="Must be a pandas DataFrame"):
        Video.get_first_face([])  # type: ignore[arg-type]
