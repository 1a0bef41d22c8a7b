"""/api/v1/stats over the recorded faces, by source and time range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from emokognition.emotions import EMOTIONS

JPEG = "image/jpeg"


def test_statistics_by_source_and_time(
    client: TestClient, photo: bytes, group_photo: bytes
) -> None:
    empty = client.get("/api/v1/stats").json()
    assert empty == {
        "faces": 0,
        "main": dict.fromkeys(EMOTIONS, 0),
        "alternative": dict.fromkeys(EMOTIONS, 0),
    }
    start = datetime.now(UTC) - timedelta(seconds=1)
    bodies = [
        client.post(
            "/api/v1/analyses?mode=sync",
            files={"file": ("p.jpg", data, JPEG)},
            data={"source": source},
        ).json()
        for data, source in ((group_photo, "twitter"), (photo, "mastodon"))
    ]
    everything = client.get("/api/v1/stats").json()
    assert everything["faces"] == sum(body["faces"] for body in bodies)
    assert tuple(everything["main"]) == EMOTIONS and tuple(everything["alternative"]) == EMOTIONS
    assert sum(everything["main"].values()) == sum(everything["alternative"].values())
    twitter = client.get("/api/v1/stats", params={"source": "twitter"}).json()
    expected = dict.fromkeys(EMOTIONS, 0)
    for face in bodies[0]["result"]["faces"]:
        expected[face["main"]] += 1
    assert twitter["main"] == expected and twitter["faces"] == bodies[0]["faces"]
    since = client.get("/api/v1/stats", params={"since": start.isoformat()}).json()
    assert since == everything
    naive_future = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    assert client.get("/api/v1/stats", params={"since": naive_future}).json()["faces"] == 0
    assert client.get("/api/v1/stats", params={"until": start.isoformat()}).json() == empty


def test_bad_ranges_are_refused(client: TestClient) -> None:
    backwards = client.get(
        "/api/v1/stats", params={"since": "2024-02-01T00:00:00Z", "until": "2024-01-01"}
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "bad_request"
    garbage = client.get("/api/v1/stats", params={"since": "yesterday"})
    assert garbage.status_code == 422
    assert garbage.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    "params",
    [
        {"since": "0001-01-01", "until": "9999-12-31T23:59:59.999999"},
        {"since": "9999-12-31T23:30:00Z"},
        {"until": "0001-01-01T00:00:00Z"},
        {"since": "0001-01-01T00:10:00Z", "until": "0001-01-01T00:20:00Z"},
        {"since": "2026-01-01T10:30:00+14:00", "until": "2026-01-01T10:30:00-12:00"},
        {"source": "nowhere"},
        {"source": "nowhere", "classifier": "unknown-classifier"},
    ],
)
def test_absurd_ranges_and_unknown_sources_count_nothing(
    client: TestClient, photo: bytes, params: dict[str, str]
) -> None:
    done = client.post("/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)})
    assert done.json()["status"] == "done"
    answer = client.get("/api/v1/stats", params=params)
    assert answer.status_code == 200
    body = answer.json()
    everything = params == {"since": "0001-01-01", "until": "9999-12-31T23:59:59.999999"}
    assert body["faces"] == (done.json()["faces"] if everything else 0)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"since": "0001-01-01T00:00:00+00:01"}, 400),
        ({"until": "10000-01-01"}, 422),
        ({"since": "-5"}, 422),
        ({"since": "2026-13-01"}, 422),
        ({"source": "x" * 65}, 422),
    ],
)
def test_ranges_out_of_bounds_are_refused(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    answer = client.get("/api/v1/stats", params=params)
    assert answer.status_code == status and "error" in answer.json()
