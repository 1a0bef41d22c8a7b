"""Settings: limits are declared (they show in the schema), media lives beside the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from emokognition.config import Settings


def test_limits_show_in_the_schema() -> None:
    fields = Settings.model_json_schema()["properties"]
    assert fields["max_pixels"]["exclusiveMinimum"] == 0
    assert fields["sync_timeout"]["exclusiveMinimum"] == 0
    assert fields["tiles"]["minimum"] == 0 and fields["bot_interval"]["minimum"] == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_pixels", "0"),
        ("job_attempts", "-1"),
        ("video_fps", "0"),
        ("tiles", "-1"),
        ("min_face", "-1"),
        ("pyramid", "sometimes"),
    ],
)
def test_a_value_out_of_its_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"EMOKOGNITION_{name.upper()}", value)
    with pytest.raises(ValidationError, match=name):
        Settings()


def test_media_lives_in_the_data_folder_unless_placed(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).media_dir == tmp_path / "media"
    assert Settings(data_dir=tmp_path, media_dir=tmp_path / "m").media_dir == tmp_path / "m"


def test_the_pyramid_is_named_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOKOGNITION_PYRAMID", " Full ")
    assert Settings().pyramid == "full"
    assert (Settings(pyramid="adaptive").min_face, Settings().video_min_face) == (16, 16)
