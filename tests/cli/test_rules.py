"""One rule per input, checked before any work: option values and output targets are usage
errors (exit 2, argparse style), media that cannot be analysed is reported per input (exit 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from emokognition.cli import main
from tests.media.factories import animated_gif
from tests.shared import PHOTOS, SAMPLE_PHOTO, VIDEOS

VIDEO = VIDEOS / "woman_talking.mp4"
PHOTO = PHOTOS / "justin_portrait.jpg"


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command line that must stop as argparse stops: exit 2, usage, one message."""
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    out, err = capsys.readouterr()
    assert stopped.value.code == 2
    assert out == "" and "usage: emokognition" in err and "Traceback" not in err
    return " ".join(err.split())


def _failure(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command line whose one input fails: exit 1, the reason listed."""
    assert main(list(argv)) == 1
    err = capsys.readouterr().err
    assert "1 of 1 failed" in err and "Traceback" not in err
    return " ".join(err.split())


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--smoothing", "5", "must be in [0, 1), got 5"),
        ("--smoothing", "1", "must be in [0, 1), got 1"),
        ("--smoothing", "-0.5", "must be in [0, 1), got -0.5"),
        ("--fps", "0", "must be > 0, got 0"),
        ("--fps", "nan", "must be a finite number, got nan"),
        ("--fps", "fast", "not a number: 'fast'"),
        ("--every", "0", "must be >= 1, got 0"),
        ("--every", "1.5", "not an integer: '1.5'"),
        ("--workers", "0", "must be >= 1, got 0"),
        ("--tiles", "-1", "must not be negative, got -1"),
        ("--detect-size", "-1", "must not be negative, got -1"),
    ],
)
def test_option_values(
    capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    err = _usage_error(capsys, "analyze", str(VIDEO), f"{option}={value}")
    assert f"argument {option}: {message}" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["daemon", "--source", "twitter", "--interval", "-1"],
        ["worker", "--concurrency", "0"],
        ["eval", "faces", str(PHOTOS), "--tiles", "-2"],
    ],
)
def test_option_values_of_the_other_commands(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert "error: argument" in _usage_error(capsys, *argv)


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (PHOTO, "x.txt", "cannot write an annotated image as '.txt' (use .jpg, .jpeg, .png"),
        (PHOTO, "missing/x.jpg", "missing does not exist"),
        (VIDEO, "out.jpg", "cannot write an annotated video as '.jpg' (use .mp4"),
        (VIDEO, "out", "cannot write an annotated video as a file without a suffix"),
        (VIDEO, "missing/out.mp4", "missing does not exist"),
    ],
)
def test_annotate_targets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: Path, target: str, message: str
) -> None:
    err = _usage_error(capsys, "analyze", str(source), "--annotate", str(tmp_path / target))
    assert "--annotate" in err and message in err
    assert list(tmp_path.iterdir()) == []  # nothing written, no folder made


def test_many_inputs_annotate_into_a_folder_not_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    existing = tmp_path / "drawn.jpg"
    existing.write_bytes(b"")
    err = _usage_error(
        capsys, "analyze", str(PHOTO), str(SAMPLE_PHOTO), "--annotate", str(existing)
    )
    assert "is a file, not a folder" in err


def test_annotate_a_photo_into_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["analyze", str(PHOTO), "--annotate", str(tmp_path), "-f", "json"]) == 0
    assert (tmp_path / "justin_portrait.jpg").stat().st_size > 0


def test_plot_needs_a_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = _usage_error(capsys, "analyze", str(PHOTO), "--plot", str(tmp_path / "p.png"))
    assert f"--plot draws a video's emotions over time; {PHOTO} is a photo" in err
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "a.jpg")
    shutil.copy(SAMPLE_PHOTO, folder / "b.jpg")
    err = _usage_error(capsys, "analyze", str(folder), "--plot", str(tmp_path / "plots"))
    assert "none of the inputs is a video" in err
    err = _usage_error(capsys, "analyze", str(VIDEO), "--plot", str(tmp_path / "p.txt"))
    assert "cannot write a plot as '.txt' (use .png, .svg, .pdf)" in err


def test_an_animated_gif_is_an_image(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gif = animated_gif(tmp_path / "moving.gif")
    assert main(["analyze", str(gif), "-f", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["media"]["kind"] == "image" and result["media"]["format"] == "gif"
    assert result["summary"]["faces"] == 1 and "tracks" not in result


def test_an_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert f"{empty}: empty file" in _failure(capsys, "analyze", str(empty))


def test_text_named_as_a_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fake = tmp_path / "talk.mp4"
    fake.write_text("a shopping list, not a video\n")
    err = _failure(capsys, "analyze", str(fake))
    assert "not a supported image (jpeg, png, gif, webp, bmp, tiff) or video (mp4," in err


def test_an_unsupported_url_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    err = _failure(capsys, "analyze", "ftp://example.org/crowd.jpg")
    assert "unsupported URL scheme 'ftp' (http, https)" in err and "no such file" not in err


def test_eval_on_a_file_that_is_not_an_npz(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "fer2013", str(SAMPLE_PHOTO)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert "is not a .npz file" in err and "allow_pickle" not in err
