"""The API and the command line apply the same media rules and say the same thing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emokognition.cli import main
from emokognition.config import Settings
from emokognition.web import create_app
from tests.media.factories import animated_gif

BROKEN = {
    "an empty file": ("empty.jpg", b"", 422, "corrupt_media"),
    "text named .mp4": ("talk.mp4", b"a shopping list, not a video\n", 415, "unsupported_format"),
}


@pytest.fixture
def api(tmp_path: Path, clean_environ: None) -> Iterator[TestClient]:
    """The real app on SQLite (these rules do not depend on the database)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'emokognition.sqlite3'}",
        sync_timeout=30.0,
        inline_workers=1,
        threads=1,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _cli(capsys: pytest.CaptureFixture[str], source: str) -> dict[str, object]:
    main(["analyze", source, "-f", "jsonl"])
    line: dict[str, object] = json.loads(capsys.readouterr().out)
    return line


@pytest.mark.parametrize("case", list(BROKEN))
def test_an_upload_fails_as_the_command_line_does(
    api: TestClient, capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    name, data, status, code = BROKEN[case]
    response = api.post("/api/v1/analyses", files={"file": (name, data, "video/mp4")})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    (tmp_path / name).write_bytes(data)
    assert _cli(capsys, str(tmp_path / name))["error"] == error["message"]
    assert api.get("/api/v1/analyses").json()["total"] == 0  # refused before any work


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/crowd.jpg", "unsupported URL scheme 'ftp' (http, https)"),
        ("not a url", "not a URL: 'not a url' (give an http or https URL)"),
    ],
)
def test_a_url_that_is_not_http(
    api: TestClient, capsys: pytest.CaptureFixture[str], url: str, message: str
) -> None:
    response = api.post("/api/v1/analyses", json={"url": url})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "forbidden_url", "message": message}}
    if "://" in url:  # on the command line, anything else is a file name
        assert _cli(capsys, url)["error"] == message


def test_an_animated_gif_is_an_image_in_both(
    api: TestClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gif = animated_gif(tmp_path / "moving.gif")
    response = api.post(
        "/api/v1/analyses?mode=sync", files={"file": ("moving.gif", gif.read_bytes(), "image/gif")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "image" and body["status"] == "done"
    line = _cli(capsys, str(gif))
    assert line["result"] == body["result"]
