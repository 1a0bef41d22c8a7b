"""Bearer tokens for writes, and for reads unless they are opened on purpose; errors and
/health never leak what the database or the broker said."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from emokognition.config import Settings
from emokognition.web import create_app
from tests.conftest import SettingsFactory

JPEG = "image/jpeg"
TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_writes_need_a_token_when_tokens_are_set(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens="s3cret, other"))) as client:
        anonymous = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.json()["error"]["code"] == "unauthorized"
        wrong = client.post(
            "/api/v1/analyses",
            files={"file": ("p.jpg", photo, JPEG)},
            headers={"Authorization": "Bearer nope"},
        )
        assert wrong.status_code == 401 and "s3cret" not in wrong.text
        good = client.post(
            "/api/v1/analyses",
            files={"file": ("p.jpg", photo, JPEG)},
            headers={"Authorization": "Bearer other"},
        )
        assert good.status_code == 202
        location = good.headers["location"]
        assert client.delete(location).status_code == 401
        deleted = client.delete(location, headers=AUTH)
        assert deleted.status_code == 204


def _reads(analysis_id: str) -> list[str]:
    """Every way to read faces, media or statistics, through the API and the pages."""
    return [
        "/api/v1/analyses",
        f"/api/v1/analyses/{analysis_id}",
        "/api/v1/stats",
        "/api/v1/posts",
        "/api/v1/landmarks",
        "/metrics",
        "/",
        f"/analyses/{analysis_id}",
        f"/analyses/{analysis_id}/media",
        f"/analyses/{analysis_id}/thumbnail",
    ]


def test_reads_are_private_by_default_when_tokens_are_set(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(api_tokens=TOKEN)
    assert settings.public_reads is False
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)}, headers=AUTH
        ).json()
        for path in _reads(created["id"]):
            anonymous = client.get(path, follow_redirects=False)
            if path.startswith(("/api/", "/metrics")):
                assert anonymous.status_code == 401, path
            else:  # pages send a person to sign in
                assert anonymous.status_code == 303, path
                assert anonymous.headers["location"].startswith("/login?next="), path
            assert photo not in anonymous.content, path
            wrong = client.get(path, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code in (401, 200) and photo not in wrong.content, path
            assert client.get(path, headers=AUTH).status_code == 200, path
        assert client.get("/health").status_code == 200


def test_reads_are_public_only_when_opened_on_purpose(
    make_settings: SettingsFactory, photo: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMOKOGNITION_PUBLIC_READS", "true")
    settings = make_settings(api_tokens=TOKEN)
    assert settings.public_reads is True
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)}, headers=AUTH
        ).json()
        for path in _reads(created["id"]):
            assert client.get(path).status_code == 200, path
        assert client.post("/api/v1/analyses", files={"file": ("p.jpg", photo)}).status_code == 401


@pytest.mark.parametrize(
    ("tokens", "public_reads", "expected"),
    [((), None, True), ((TOKEN,), None, False), ((TOKEN,), True, True), ((), False, False)],
)
def test_public_reads_default(
    make_settings: SettingsFactory,
    tokens: tuple[str, ...],
    public_reads: bool | None,
    expected: bool,
) -> None:
    assert make_settings(api_tokens=tokens, public_reads=public_reads).public_reads is expected


def test_no_tokens_no_checks(client: TestClient) -> None:
    assert client.get("/api/v1/analyses", headers={"Authorization": "Bearer x"}).status_code == 200


# A database that is down, whose URL names a host, a port and a database: none of them may
# reach a client, in /health or in an API error.
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:1/private_db_name?connect_timeout=2"


def _leaks(text: str) -> list[str]:
    return [secret for secret in ("127.0.0.1", "private_db_name", "port 1") if secret in text]


def test_health_and_errors_keep_database_details_in_the_log(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    settings: Settings = make_settings(database_url=DOWN_URL)
    client = TestClient(create_app(settings))  # no lifespan: it would migrate
    with caplog.at_level(logging.WARNING):
        health = client.get("/health")
        listing = client.get("/api/v1/analyses")
    assert health.status_code == 503 and health.json()["database"] == "database unavailable"
    assert not _leaks(health.text), health.text
    assert listing.status_code == 503 and "retry-after" in listing.headers
    assert listing.json()["error"]["message"] == "database unavailable"
    assert not _leaks(listing.text), listing.text
    assert "127.0.0.1" in caplog.text  # the operator still learns what failed


def test_health_keeps_broker_details_in_the_log(
    make_settings: SettingsFactory, photo: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(jobs="celery", broker_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client, caplog.at_level(logging.WARNING):
        health = client.get("/health")
        refused = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
    assert health.status_code == 503 and health.json()["queue"] == "job queue unavailable"
    assert refused.status_code == 503
    assert refused.json()["error"]["message"] == "job queue unavailable"
    assert not _leaks(health.text) and not _leaks(refused.text), (health.text, refused.text)
    assert "127.0.0.1:1" in caplog.text or "Connection refused" in caplog.text
