"""/health, /metrics, the home page, and errors as JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from emokognition.emotions import EMOTIONS
from emokognition.web import create_app
from tests.conftest import SettingsFactory

JPEG = "image/jpeg"


def test_health_reports_database_and_queue(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["queue"] == "ok"
    assert body["jobs"] == "inline" and body["workers"] == 2  # the inline pool's threads
    assert body["oldest_queued_seconds"] is None


def test_health_is_503_when_the_database_is_down(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    )
    client = TestClient(create_app(settings))  # no lifespan: it would migrate
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"].startswith("database unavailable")
    listing = client.get("/api/v1/analyses")
    assert listing.status_code == 503 and listing.json()["error"]["code"] == "unavailable"
    assert "retry-after" in listing.headers and "Traceback" not in listing.text


def test_health_is_503_when_the_broker_is_down(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(jobs="celery", broker_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["database"] == "ok" and response.json()["queue"] != "ok"
        refused = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "10"
        assert refused.json()["error"]["code"] == "unavailable"
        assert client.get("/api/v1/analyses").json()["total"] == 0


def test_metrics_in_prometheus_format(client: TestClient, photo: bytes) -> None:
    done = client.post("/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)})
    (face,) = done.json()["result"]["faces"]
    main = face["main"]
    client.get("/api/v1/analyses/" + "0" * 32)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'emokognition_http_requests_total{method="GET",'
        'route="/api/v1/analyses/{analysis_id}",status="404"} 1.0'
    ) in text
    assert 'emokognition_job_duration_seconds_count{kind="image",status="done"} 1.0' in text
    for emotion in EMOTIONS:  # every emotion from the start, so rates over them are defined
        count = 1.0 if emotion == main else 0.0
        assert f'emokognition_faces_analysed_total{{main="{emotion}"}} {count}' in text
    assert "emokognition_queue_depth 0.0" in text
    assert 'emokognition_analyses{kind="image",status="done"} 1.0' in text


def test_home_page_and_openapi(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert "/docs" in home.text
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/analyses", "/api/v1/analyses/{analysis_id}", "/api/v1/stats"} <= set(
        schema["paths"]
    )
    body = schema["paths"]["/api/v1/analyses"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} == set(body)


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = client.put("/api/v1/stats")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert "x-request-id" in wrong.headers
