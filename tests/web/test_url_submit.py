"""A URL given to the service: the client's mistakes are 4xx with a clear JSON error at submit
time, and the download a job makes keeps to its deadline. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emokognition.cli import main
from emokognition.config import Settings
from emokognition.web import create_app
from tests.conftest import MediaServer
from tests.media.network import Guard, guard_network


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Guard:
    return guard_network(monkeypatch)


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite:///{tmp_path / 'emokognition.sqlite3'}",
        "sync_timeout": 30.0,
        "inline_workers": 1,
        "threads": 1,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
def api(tmp_path: Path, clean_environ: None, guard: Guard) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path))) as client:
        yield client


@pytest.mark.parametrize(
    ("url", "status", "code", "message"),
    [
        ("http://[::1", 400, "forbidden_url", "malformed URL 'http://[::1': Invalid IPv6 URL"),
        (
            "http://[::1/a.jpg",
            400,
            "forbidden_url",
            "malformed URL 'http://[::1/a.jpg': Invalid IPv6 URL",
        ),
        (
            "http://media.test:99999/a.jpg",
            400,
            "forbidden_url",
            "malformed URL 'http://media.test:99999/a.jpg': Port out of range 0-65535",
        ),
        (
            "https://nowhere.test/a.jpg",
            422,
            "unknown_host",
            "host 'nowhere.test' does not resolve (check the URL's host name)",
        ),
        (
            "http://[64:ff9b::7f00:1]/a.jpg",
            400,
            "forbidden_url",
            "host '64:ff9b::7f00:1' resolves to a non-public address; "
            "set EMOKOGNITION_ALLOW_PRIVATE_URLS=true to allow it",
        ),
    ],
)
def test_a_bad_url_is_the_clients_mistake(
    api: TestClient,
    capsys: pytest.CaptureFixture[str],
    guard: Guard,
    url: str,
    status: int,
    code: str,
    message: str,
) -> None:
    response = api.post("/api/v1/analyses", json={"url": url})
    assert response.status_code == status, response.text
    assert response.json() == {"error": {"code": code, "message": message}}
    assert api.get("/api/v1/analyses").json()["total"] == 0
    main(["analyze", url, "-f", "jsonl"])  # the command line says the same
    assert json.loads(capsys.readouterr().out)["error"] == message
    assert guard.refused == []


def test_a_job_download_keeps_to_the_deadline(
    tmp_path: Path, clean_environ: None, guard: Guard, media_server: MediaServer
) -> None:
    """A host that holds its answer fails the job at EMOKOGNITION_DOWNLOAD_DEADLINE, not at
    each read's time-out (20 s here) or never."""
    settings = _settings(tmp_path, allow_private_urls=True, download_deadline=0.5)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/analyses?mode=sync", json={"url": media_server.url("/stall/slow.jpg")}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "failed"
        assert body["error"] == {
            "code": "download_failed",
            "message": "download took longer than 0.5 s (EMOKOGNITION_DOWNLOAD_DEADLINE)",
        }
        assert media_server.stalled["/stall/slow.jpg"] == 1
