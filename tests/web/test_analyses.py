"""/api/v1/analyses on the real app: SQLite and PostgreSQL, real photos, inline jobs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emokognition.config import CLASSIFIERS, Settings
from emokognition.emotions import EMOTIONS
from emokognition.web import create_app
from tests.conftest import MediaServer, SettingsFactory, poll_done

JPEG = "image/jpeg"


def test_sync_upload_answers_the_finished_analysis(
    client: TestClient, settings: Settings, group_photo: bytes
) -> None:
    response = client.post(
        "/api/v1/analyses",
        params={"mode": "sync"},
        files={"file": ("group.jpg", group_photo, JPEG)},
        data={"source": "upload"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/analyses/{body['id']}"
    assert body["status"] == "done" and body["kind"] == "image" and body["source"] == "upload"
    assert body["error"] is None and body["finished_at"] is not None
    result = body["result"]
    assert set(result) == {"media", "model", "faces", "summary"}
    assert result["media"]["sha256"] == hashlib.sha256(group_photo).hexdigest()
    assert result["summary"]["faces"] == len(result["faces"]) == body["faces"] >= 5
    for face in result["faces"]:
        assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
        assert tuple(face["emotions"]) == EMOTIONS
        assert sum(face["emotions"].values()) == pytest.approx(1, abs=1e-4)
    # the same document is recorded, and the media stored by sha256
    assert client.get(response.headers["location"]).json() == body
    assert (settings.media_dir / result["media"]["sha256"][:2]).is_dir()


def test_async_upload_answers_202_and_a_location_to_poll(client: TestClient, photo: bytes) -> None:
    response = client.post(
        "/api/v1/analyses",
        files={"file": ("x.bin", photo, "application/octet-stream")},
        data={"detector": "haar", "source": "twitter"},
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert set(accepted) == {"id", "status"} and accepted["status"] in ("queued", "running")
    assert response.headers["location"] == f"/api/v1/analyses/{accepted['id']}"
    body = poll_done(client, accepted["id"])
    assert body["status"] == "done" and body["source"] == "twitter"
    assert body["detector"] == "haar" and body["result"]["model"]["detector"] == "haar"


@pytest.mark.parametrize("classifier", CLASSIFIERS)
def test_the_classifier_asked_for_is_used_recorded_and_counted_apart(
    client: TestClient, photo: bytes, classifier: str
) -> None:
    response = client.post(
        "/api/v1/analyses?mode=sync",
        files={"file": ("x.jpg", photo, JPEG)},
        data={"classifier": classifier, "source": f"cls-{classifier}"},
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "done", body
    assert body["classifier"] == classifier == body["result"]["model"]["classifier"]
    for other in CLASSIFIERS:
        stats = client.get(
            "/api/v1/stats", params={"source": f"cls-{classifier}", "classifier": other}
        ).json()
        assert stats["faces"] == (body["faces"] if other == classifier else 0)


def test_an_unknown_classifier_is_refused_with_the_names(client: TestClient, photo: bytes) -> None:
    response = client.post(
        "/api/v1/analyses", files={"file": ("x.jpg", photo, JPEG)}, data={"classifier": "vgg"}
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "unknown classifier 'vgg'" in message and all(name in message for name in CLASSIFIERS)


def test_the_api_schema_names_every_classifier(client: TestClient) -> None:
    content = client.get("/openapi.json").json()["paths"]["/api/v1/analyses"]["post"]
    content = content["requestBody"]["content"]
    by_url = content["application/json"]["schema"]["properties"]["classifier"]["anyOf"][0]
    by_file = content["multipart/form-data"]["schema"]["properties"]["classifier"]
    assert sorted(by_url["enum"]) == sorted(by_file["enum"]) == sorted(CLASSIFIERS)


def test_list_is_newest_first_and_paged(client: TestClient, photo: bytes) -> None:
    ids = []
    for source in ("upload", "mastodon", "upload"):
        response = client.post(
            "/api/v1/analyses?mode=sync",
            files={"file": ("p.jpg", photo, JPEG)},
            data={"source": source},
        )
        ids.append(response.json()["id"])
    page = client.get("/api/v1/analyses", params={"limit": 2}).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [item["id"] for item in page["items"]] == ids[:0:-1]
    assert "result" not in page["items"][0] and page["items"][0]["faces"] >= 1
    rest = client.get("/api/v1/analyses", params={"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in rest["items"]] == ids[:1]
    mastodon = client.get("/api/v1/analyses", params={"source": "mastodon"}).json()
    assert [item["id"] for item in mastodon["items"]] == [ids[1]]
    assert client.get("/api/v1/analyses", params={"status": "failed"}).json()["total"] == 0
    assert client.get("/api/v1/analyses", params={"limit": 0}).status_code == 422


def test_delete_removes_rows_and_media(
    client: TestClient, settings: Settings, photo: bytes, group_photo: bytes
) -> None:
    shared = [
        client.post("/api/v1/analyses?mode=sync", files={"file": ("a.jpg", photo, JPEG)}).json()
        for _ in range(2)
    ]
    group = client.post(
        "/api/v1/analyses?mode=sync", files={"file": ("g.jpg", group_photo, JPEG)}
    ).json()
    before = client.get("/api/v1/stats").json()["faces"]
    media = settings.media_dir
    assert client.get(f"/analyses/{group['id']}/thumbnail").status_code == 200  # a preview
    assert any(media.rglob(f"{group['result']['media']['sha256']}-*"))
    assert client.delete(f"/api/v1/analyses/{group['id']}").status_code == 204
    assert client.get(f"/api/v1/analyses/{group['id']}").status_code == 404
    assert client.delete(f"/api/v1/analyses/{group['id']}").status_code == 404
    assert client.get("/api/v1/stats").json()["faces"] == before - group["faces"]
    assert not any(media.rglob(f"{group['result']['media']['sha256']}*"))  # preview too
    # media shared by two analyses stays until the last one goes
    sha = shared[0]["result"]["media"]["sha256"]
    client.delete(f"/api/v1/analyses/{shared[0]['id']}")
    assert any(media.rglob(sha))
    client.delete(f"/api/v1/analyses/{shared[1]['id']}")
    assert not any(media.rglob(sha))


def test_content_type_is_sniffed_from_the_bytes(client: TestClient, photo: bytes) -> None:
    fake = client.post("/api/v1/analyses", files={"file": ("x.jpg", b"GIF? no, text", JPEG)})
    assert fake.status_code == 415
    assert fake.json()["error"]["code"] == "unsupported_format"
    real = client.post("/api/v1/analyses", files={"file": ("x.txt", photo, "text/plain")})
    assert real.status_code == 202
    assert client.get("/api/v1/analyses").json()["total"] == 1


def test_a_corrupt_photo_is_a_failed_analysis(client: TestClient, photo: bytes) -> None:
    response = client.post(
        "/api/v1/analyses?mode=sync", files={"file": ("x.jpg", photo[:400], JPEG)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and body["result"] is None
    assert body["error"]["code"] == "corrupt_media" and "Traceback" not in response.text


def test_a_video_is_analysed_and_counted_by_its_people(
    client: TestClient, video: bytes, group_photo: bytes
) -> None:
    response = client.post(
        "/api/v1/analyses?mode=sync", files={"file": ("talk.bin", video, "text/plain")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done" and body["kind"] == "video", body["error"]
    result = body["result"]
    assert result["media"]["kind"] == "video" and result["tracks"]
    face_frames = [face for frame in result["frames"] for face in frame["faces"]]
    assert body["faces"] == result["summary"]["faces"] == len(face_frames) >= 5
    assert all("track" in face for face in face_frames)
    assert [span["people"] for span in result["audience"]] and result["audience"][0]["faces"]
    # The statistics count the video's people, each track once by the track's emotions, not
    # its face-frames: beside a group photo, the video weighs what its few people weigh.
    stats = client.get("/api/v1/stats").json()
    tracks = result["tracks"]
    assert stats["faces"] == len(tracks) < len(face_frames)
    for axis in ("main", "alternative"):
        counts = dict.fromkeys(EMOTIONS, 0)
        for track in tracks:
            counts[track[axis]] += 1
        assert stats[axis] == counts
    group = client.post(
        "/api/v1/analyses?mode=sync",
        files={"file": ("group.jpg", group_photo, JPEG)},
        data={"source": "group"},
    ).json()
    assert group["faces"] >= 3
    both = client.get("/api/v1/stats").json()
    assert both["faces"] == len(tracks) + group["faces"]
    assert client.get("/api/v1/stats", params={"source": "group"}).json()["faces"] == group["faces"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {"url": "ftp://example.org/x.jpg"}}, 400, "forbidden_url"),
        ({"json": {"url": "http://127.0.0.1/x.jpg"}}, 400, "forbidden_url"),
        ({"json": {"url": "http://[::1]/x.jpg"}}, 400, "forbidden_url"),
        ({"json": {"url": "http://169.254.169.254/latest"}}, 400, "forbidden_url"),
        ({"json": {"url": "http://localhost:9/x.jpg"}}, 400, "forbidden_url"),
        ({"json": {"nope": 1}}, 400, "bad_request"),
        ({"json": {"url": "https://example.org/x.jpg", "detector": "x"}}, 400, "bad_request"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, None),
        ({"content": b"raw", "headers": {"content-type": "image/jpeg"}}, 415, None),
        ({"files": {"other": ("x.jpg", b"1", JPEG)}}, 400, "bad_request"),
        ({"files": {"file": ("x.jpg", b"1", JPEG)}, "data": {"source": "no spaces"}}, 400, None),
        ({"files": {"file": ("x.jpg", b"1", JPEG)}, "data": {"detector": "yolo"}}, 400, None),
    ],
)
def test_bad_requests_are_json_errors(
    client: TestClient, request_kwargs: dict[str, object], status: int, code: str | None
) -> None:
    response = client.post("/api/v1/analyses", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    if code:
        assert error["code"] == code
    assert client.get("/api/v1/analyses").json()["total"] == 0


def test_url_analysis_with_private_urls_allowed(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    with TestClient(create_app(make_settings(allow_private_urls=True))) as client:
        response = client.post(
            "/api/v1/analyses?mode=sync", json={"url": media_server.url("/group.jpg")}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "done" and body["source"] == "url"
        assert body["url"] == media_server.url("/group.jpg") and body["faces"] >= 5


def test_sync_calls_answer_202_after_the_timeout(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    settings = make_settings(allow_private_urls=True, sync_timeout=0.3)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/analyses?mode=sync", json={"url": media_server.url("/stall/slow.jpg")}
        )
        assert response.status_code == 202
        assert response.json()["status"] in ("queued", "running")
        media_server.release()
        assert poll_done(client, response.json()["id"])["status"] == "done"


def test_a_full_inline_pool_answers_503_with_retry_after(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    settings = make_settings(allow_private_urls=True, inline_workers=1, inline_queue=0)
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/v1/analyses", json={"url": media_server.url("/stall/a.jpg")})
        assert first.status_code == 202
        refused = client.post("/api/v1/analyses", json={"url": media_server.url("/photo.jpg")})
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "queue_full"
        assert client.get("/api/v1/analyses").json()["total"] == 1  # nothing left behind
        media_server.release()
        poll_done(client, first.json()["id"])


def test_upload_size_limits(make_settings: SettingsFactory, photo: bytes) -> None:
    settings = make_settings(max_upload_bytes=len(photo) - 1)
    with TestClient(create_app(settings)) as client:
        too_big = client.post("/api/v1/analyses", files={"file": ("x.jpg", photo, JPEG)})
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "media_too_large"
        huge = b"\xff\xd8\xff" + b"\x00" * (len(photo) + 2 * 1024 * 1024)
        declared = client.post(
            "/api/v1/analyses", content=huge, headers={"content-type": "multipart/form-data"}
        )
        assert declared.status_code == 413

        def chunks() -> object:
            yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
            for _ in range(40):
                yield b"\x00" * 65536

        streamed = client.post(
            "/api/v1/analyses",
            content=chunks(),  # type: ignore[arg-type]
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert streamed.status_code == 413
        assert client.get("/api/v1/analyses").json()["total"] == 0


def test_a_video_job_agrees_with_the_command_line_whatever_the_photo_tiles(
    make_settings: SettingsFactory, video: bytes, tmp_path: Path
) -> None:
    """Photo tiles (EMOKOGNITION_TILES) are for photos: a video job gets the video analyzer,
    as `emokognition analyze x.mp4` does, and the same result."""
    path = tmp_path / "talk.mp4"
    path.write_bytes(video)
    with TestClient(create_app(make_settings(tiles=2))) as client:
        served = client.post("/api/v1/analyses?mode=sync", files={"file": ("t.mp4", video)})
    assert served.status_code == 200 and served.json()["status"] == "done", served.text
    env = {**os.environ, "EMOKOGNITION_TILES": "2", "EMOKOGNITION_DATA_DIR": str(tmp_path)}
    command = [
        str(Path(sys.executable).with_name("emokognition")),
        "analyze",
        str(path),
        "--format",
        "json",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ours, theirs = json.loads(done.stdout), served.json()["result"]
    for key in ("model", "sampling", "frames", "tracks", "summary"):
        assert ours[key] == theirs[key], key
    assert len(theirs["frames"]) >= 20 and theirs["tracks"]


def test_a_picture_sent_again_with_its_post_gets_the_first_analysis(
    client: TestClient, group_photo: bytes
) -> None:
    post = {"source": "twitter", "post_id": "901", "media_key": "m1", "account": "bot"}
    sent = [
        client.post(
            "/api/v1/analyses",
            params={"mode": "sync"},
            files={"file": ("g.jpg", group_photo, JPEG)},
            data=post,
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in sent] == [200] * 3, sent[0].text
    assert len({r.json()["id"] for r in sent}) == 1
    faces = sent[0].json()["faces"]
    assert client.get("/api/v1/analyses").json()["total"] == 1
    assert client.get("/api/v1/stats", params={"source": "twitter"}).json()["faces"] == faces
    (recorded,) = client.get("/api/v1/posts").json()["items"]
    assert (recorded["post_id"], recorded["media_key"]) == ("901", "m1")
    assert recorded["analysis_id"] == sent[0].json()["id"]
    other = client.post(
        "/api/v1/analyses",
        files={"file": ("g.jpg", group_photo, JPEG)},
        data={**post, "media_key": "m2"},
    )
    assert other.status_code == 202 and other.json()["id"] != sent[0].json()["id"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "twitter", "post_id": "1"}, "give 'post_id' and 'media_key' together"),
        ({"source": "twitter", "account": "a"}, "'account' goes with"),
        ({"post_id": "1", "media_key": "m"}, "go with an uploaded file and its source"),
        ({"source": "twitter", "post_id": "1", "media_key": "\x00"}, "printable"),
    ],
)
def test_half_a_post_key_is_a_400(
    client: TestClient, photo: bytes, fields: dict[str, str], message: str
) -> None:
    response = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)}, data=fields)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]
    assert client.get("/api/v1/analyses").json()["total"] == 0
