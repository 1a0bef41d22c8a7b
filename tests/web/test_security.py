"""Bearer tokens for writes (and reads when they are not public); errors never leak."""

from __future__ import annotations

from fastapi.testclient import TestClient

from emokognition.web import create_app
from tests.conftest import SettingsFactory

JPEG = "image/jpeg"


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
        # reads are public by default
        assert client.get(location).status_code == 200
        assert client.get("/api/v1/stats").status_code == 200
        deleted = client.delete(location, headers={"Authorization": "Bearer s3cret"})
        assert deleted.status_code == 204


def test_private_reads(make_settings: SettingsFactory) -> None:
    settings = make_settings(api_tokens="s3cret", public_reads=False)
    with TestClient(create_app(settings)) as client:
        for path in ("/api/v1/analyses", "/api/v1/stats", "/metrics"):
            assert client.get(path).status_code == 401, path
            allowed = client.get(path, headers={"Authorization": "Bearer s3cret"})
            assert allowed.status_code == 200, path
        assert client.get("/health").status_code == 200


def test_no_tokens_no_checks(client: TestClient) -> None:
    assert client.get("/api/v1/analyses", headers={"Authorization": "Bearer x"}).status_code == 200
