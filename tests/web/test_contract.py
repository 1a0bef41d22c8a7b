"""The API's contract at its edges: bounded paging, dates that are dates, the methods a path
takes, messages without heap addresses, and auth declared only where it is needed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from emokognition.web import create_app
from tests.conftest import SettingsFactory


@pytest.mark.parametrize(
    "path", ["/api/v1/posts", "/api/v1/landmarks", "/api/v1/analyses", "/api/v1/streams"]
)
def test_an_offset_past_any_page_is_a_client_error(client: TestClient, path: str) -> None:
    response = client.get(path, params={"offset": "99999999999999999999"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-3"])
def test_stats_take_iso_dates_not_numbers(client: TestClient, value: str) -> None:
    response = client.get("/api/v1/stats", params={"until": value})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/stats", params={"until": "2026-01-31"}).status_code == 200
    assert client.get("/api/v1/stats", params={"since": "2026-01-31T12:00:00Z"}).status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [("since", "0001-01-01T00:00:00+00:01"), ("until", "9999-12-31T23:59:59-00:01")],
)
def test_stats_refuse_a_moment_utc_cannot_hold(client: TestClient, name: str, value: str) -> None:
    # Found by `make fuzz`: year 0 or 10000 once in UTC was a 500 from the database layer.
    response = client.get("/api/v1/stats", params={name: value})
    assert response.status_code == 400 and "out of range" in response.json()["error"]["message"]


def test_a_wrong_method_names_every_method_the_path_takes(client: TestClient) -> None:
    response = client.put(f"/api/v1/analyses/{'a' * 32}")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "DELETE"} <= allowed and "PUT" not in allowed


def test_error_messages_carry_no_heap_address(client: TestClient) -> None:
    """A JPEG header over garbage fails in Pillow, whose message names its BytesIO."""
    broken = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
    response = client.post("/api/v1/analyses?mode=sync", files={"file": ("x.jpg", broken)})
    body = response.json()
    message = (body.get("error") or {}).get("message", "")
    assert response.status_code == 200 and body["status"] == "failed", body
    assert message and not re.search(r"0x[0-9a-f]{6,}|object at", message), message


def test_bearer_auth_is_declared_only_when_tokens_are_set(make_settings: SettingsFactory) -> None:
    with TestClient(create_app(make_settings())) as open_service:
        schema = open_service.get("/openapi.json").json()
    assert "securitySchemes" not in schema.get("components", {})
    assert not any("security" in op for ops in schema["paths"].values() for op in ops.values())
    with TestClient(create_app(make_settings(api_tokens="t0ken"))) as guarded:
        schema = guarded.get("/openapi.json").json()
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    post = schema["paths"]["/api/v1/analyses"]["post"]
    assert post["security"] == [{"HTTPBearer": []}]
