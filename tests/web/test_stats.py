"""/api/v1/stats over the recorded faces, by source and time range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
