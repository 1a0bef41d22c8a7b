"""A video's frames in pages: the analysis answers its first page, `/frames` the others; read
together they are the whole result of the Python API. Results recorded with their frames
inside stay readable the same way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emokognition.app import FIRST_FRAMES
from emokognition.config import Settings
from emokognition.store import Database
from emokognition.video import VideoOptions, analyze_video
from emokognition.web.app import create_app
from tests.conftest import SettingsFactory
from tests.shared import VIDEOS
from tests.store.factories import face, recorded, track, video_result

WOMAN = VIDEOS / "woman_talking.mp4"  # 115 frames: every frame is more than a page
TOKEN = "s3cret"


@pytest.fixture
def every_frame(make_settings: SettingsFactory) -> Settings:
    return make_settings(video_fps=30.0)


def _all_frames(client: TestClient, first: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    frames, path = [], f"/api/v1/analyses/{first['id']}/frames?offset=0&limit={limit}"
    while path:
        page = client.get(path)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= limit and body["total"] == first["frame_pages"]["total"]
        frames += body["items"]
        path = body["next"]
    return frames


def test_a_video_is_served_in_pages_that_make_the_whole_result(every_frame: Settings) -> None:
    with TestClient(create_app(every_frame)) as client:
        done = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("w.mp4", WOMAN.read_bytes())}
        )
        assert done.status_code == 200 and done.json()["status"] == "done", done.text
        body = client.get(f"/api/v1/analyses/{done.json()['id']}").json()
        assert body == done.json()
        pages = body["frame_pages"]
        assert len(body["result"]["frames"]) == FIRST_FRAMES < pages["total"]
        assert pages["next"] == f"/api/v1/analyses/{body['id']}/frames?offset=100&limit=100"
        frames = _all_frames(client, body, limit=37)
        assert frames[:FIRST_FRAMES] == body["result"]["frames"]
    whole = analyze_video(WOMAN, VideoOptions(fps=30.0), settings=every_frame).to_dict()
    assert list(body["result"]) == list(whole)
    assert {**body["result"], "frames": frames} == whole
    assert body["faces"] == whole["summary"]["faces"] == sum(len(f["faces"]) for f in frames)


def test_bad_pages_are_refused(every_frame: Settings, photo: bytes) -> None:
    with TestClient(create_app(every_frame)) as client:
        video = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("w.mp4", WOMAN.read_bytes())}
        ).json()
        image = client.post("/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo)})
        base = f"/api/v1/analyses/{video['id']}/frames"
        for query in ("offset=-1", "limit=0", "limit=1001", "offset=x", "offset=100000001"):
            answer = client.get(f"{base}?{query}")
            assert answer.status_code == 422 and "error" in answer.json(), query
        past = client.get(f"{base}?offset=100000&limit=1000").json()
        assert past["items"] == [] and past["next"] is None and past["total"] > FIRST_FRAMES
        last = client.get(f"{base}?offset={past['total'] - 1}&limit=1000").json()
        assert len(last["items"]) == 1 and last["next"] is None
        assert client.get(f"/api/v1/analyses/{image.json()['id']}/frames").status_code == 404
        assert client.get(f"/api/v1/analyses/{'0' * 32}/frames").status_code == 404
        assert client.get("/api/v1/analyses/not-an-id/frames").status_code == 404


def test_frames_are_read_as_the_analysis_is(make_settings: SettingsFactory) -> None:
    settings = make_settings(api_tokens=TOKEN)
    database = Database(settings.database_url)
    with TestClient(create_app(settings)) as client:
        video = recorded(database, video_result([[face("happy", "sad", track=1)]] * 3))
        path = f"/api/v1/analyses/{video.id}/frames"
        assert client.get(path).status_code == 401
        assert client.get(f"/api/v1/analyses/{video.id}").status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get(path, headers=auth).status_code == 200
    database.dispose()


def test_a_result_stored_with_its_frames_inside_reads_the_same(
    settings: Settings, client: TestClient
) -> None:
    """Results recorded before frames were rows keep them in their JSON: still paged."""
    database = Database(settings.database_url)
    frames = [[face("happy", "sad", track=1)]] * (FIRST_FRAMES + 20)
    result = video_result(frames, tracks=[track(1, "happy", "sad", frames=len(frames))])
    old = recorded(database, result)
    database.dispose()
    body = client.get(f"/api/v1/analyses/{old.id}").json()
    assert body["result"]["frames"] == result["frames"][:FIRST_FRAMES]
    assert body["frame_pages"]["total"] == len(frames)
    rest = client.get(f"/api/v1/analyses/{old.id}/frames?offset={FIRST_FRAMES}").json()
    assert rest["items"] == result["frames"][FIRST_FRAMES:] and rest["next"] is None


def test_the_analysis_page_draws_every_page_of_frames(every_frame: Settings) -> None:
    with TestClient(create_app(every_frame)) as client:
        done = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("w.mp4", WOMAN.read_bytes())}
        ).json()
        page = client.get(f"/analyses/{done['id']}")
        frames = _all_frames(client, done, limit=1000)
    assert page.status_code == 200
    charts = [
        json.loads(chart)
        for chart in re.findall(
            r'<script type="application/json" class="track-data">(.*?)</script>', page.text
        )
    ]
    drawn = sum(len(chart["t"]) for chart in charts)
    assert drawn == sum(len(f["faces"]) for f in frames) > FIRST_FRAMES
