"""CSV downloads: /api/v1/stats.csv holds /api/v1/stats's numbers for the same filters and
their mood over time; an analysis's faces.csv is `emokognition analyze --format csv` of its
result (read back from the recorded faces)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emokognition.cli.render import Outcome, render
from emokognition.config import Settings
from emokognition.emotions import EMOTIONS
from emokognition.store import Database
from tests.store.factories import face, image_result, recorded, video_result

DAY = datetime(2026, 3, 14, tzinfo=UTC)
JPEG = "image/jpeg"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _as_stats(row: dict[str, str]) -> dict[str, Any]:
    return {
        "faces": int(row["people"]),
        "main": {e: int(row[f"main_{e}"]) for e in EMOTIONS},
        "alternative": {e: int(row[f"alternative_{e}"]) for e in EMOTIONS},
    }


@pytest.fixture
def recorded_days(settings: Settings, client: TestClient) -> None:
    """A photo and a video (one person in 3 frames) on day 1, a photo on day 5."""
    database = Database(settings.database_url)
    try:
        two = image_result([face("happy", "surprised"), face("sad", "happy")])
        recorded(database, two, source="a", now=DAY + timedelta(hours=9))
        one = video_result([[face("angry", "sad", track=1)]] * 3)
        recorded(database, one, source="b", now=DAY + timedelta(hours=15, minutes=5))
        later = image_result([face("neutral", "sad")])
        recorded(database, later, source="a", now=DAY + timedelta(days=4))
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("query", "bucket", "buckets"),
    [
        ({}, "day", [DAY, DAY + timedelta(days=4)]),
        ({"source": "a"}, "day", [DAY, DAY + timedelta(days=4)]),
        (
            {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat()},
            "hour",
            [DAY + timedelta(hours=9), DAY + timedelta(hours=15)],
        ),
        ({"bucket": "hour", "source": "b"}, "hour", [DAY + timedelta(hours=15)]),
    ],
)
def test_stats_csv_is_the_stats_api_with_the_mood_over_time(
    client: TestClient,
    recorded_days: None,
    query: dict[str, str],
    bucket: str,
    buckets: list[datetime],
) -> None:
    response = client.get("/api/v1/stats.csv", params=query)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = _rows(response.text)
    stats = client.get(
        "/api/v1/stats", params={k: v for k, v in query.items() if k != "bucket"}
    ).json()
    assert rows[0]["period"] == "all" and _as_stats(rows[0]) == stats
    assert rows[0]["start"] == query.get("since", "")
    assert [row["period"] for row in rows[1:]] == [bucket] * len(buckets)
    assert [datetime.fromisoformat(row["start"]) for row in rows[1:]] == buckets
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    assert all(
        datetime.fromisoformat(row["end"]) - datetime.fromisoformat(row["start"]) == step
        for row in rows[1:]
    )
    # the periods add up to the whole range, by main and by alternative emotion
    for axis in ("main", "alternative"):
        for emotion in EMOTIONS:
            column = f"{axis}_{emotion}"
            assert sum(int(row[column]) for row in rows[1:]) == int(rows[0][column])


def test_stats_csv_refuses_what_the_stats_api_refuses(client: TestClient) -> None:
    backwards = client.get(
        "/api/v1/stats.csv", params={"since": "2024-02-01T00:00:00Z", "until": "2024-01-01"}
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "bad_request"
    assert client.get("/api/v1/stats.csv", params={"bucket": "week"}).status_code == 422
    empty = _rows(client.get("/api/v1/stats.csv").text)
    assert len(empty) == 1 and empty[0]["people"] == "0"


@pytest.mark.parametrize(("name", "kind"), [("video", "video/mp4"), ("group_photo", JPEG)])
def test_faces_csv_is_the_cli_csv_of_the_result(
    client: TestClient, request: pytest.FixtureRequest, name: str, kind: str
) -> None:
    data: bytes = request.getfixturevalue(name)
    body = client.post("/api/v1/analyses?mode=sync", files={"file": ("x", data, kind)}).json()
    assert body["status"] == "done" and body["faces"] > 3
    response = client.get(f"/api/v1/analyses/{body['id']}/faces.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    cli = render([Outcome(input=body["id"], result=body["result"], error=None)], "csv", False)
    assert response.text == cli
    rows = _rows(response.text)
    assert len(rows) == body["faces"]
    if name == "video":
        assert {"frame", "t", "track"} <= set(rows[0]) and rows[0]["track"] == "1"


def test_faces_csv_of_unknown_and_private_analyses(
    client: TestClient, make_settings: Any, photo: bytes
) -> None:
    missing = client.get(f"/api/v1/analyses/{'0' * 32}/faces.csv")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    from emokognition.web import create_app

    with TestClient(create_app(make_settings(api_tokens=("t0ken",)))) as private:
        created = private.post(
            "/api/v1/analyses?mode=sync",
            files={"file": ("p.jpg", photo, JPEG)},
            headers={"Authorization": "Bearer t0ken"},
        ).json()
        path = f"/api/v1/analyses/{created['id']}/faces.csv"
        assert private.get(path).status_code == 401
        assert private.get("/api/v1/stats.csv").status_code == 401
        allowed = private.get(path, headers={"Authorization": "Bearer t0ken"})
        assert allowed.status_code == 200 and len(_rows(allowed.text)) == created["faces"]
