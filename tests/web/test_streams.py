"""/api/v1/streams on real live streams served on 127.0.0.1: start, follow the windows as
Server-Sent Events, see the statistics count the stream while it runs, stop it; refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emokognition.config import Settings
from emokognition.store import Database, get_stream
from emokognition.web import create_app
from tests.conftest import SettingsFactory, wait_until
from tests.video.live.streams import HlsServer, TsServer, silent_server
from tests.web.pages.conftest import LiveServer
from tests.web.sse import Event, EventReader

# Loopback streams allowed; a stream silent for 1.5 s is down; leases short enough to see.
STREAM_SETTINGS: dict[str, Any] = {
    "allow_private_urls": True,
    "stream_timeout": 1.5,
    "stream_backoff_base": 0.2,
    "stream_backoff_max": 0.5,
    "stream_reconnect_tries": 20,
    "job_lease": 3.0,
}


@pytest.fixture
def stream_settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(**STREAM_SETTINGS)


@pytest.fixture
def served(stream_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(stream_settings) as server:
        yield server


def _windows(events: list[Event]) -> list[Event]:
    return [event for event in events if event.event == "window"]


def test_start_follow_count_and_stop(served: LiveServer, live_segments: list[bytes]) -> None:
    api = served.api
    with HlsServer(live_segments) as hls:
        started = api.post(
            "/api/v1/streams",
            json={"url": hls.url, "source": "lecture", "fps": 5, "window": 1},
        )
        assert started.status_code == 202, started.text
        stream = started.json()
        assert started.headers["location"] == f"/api/v1/streams/{stream['id']}"
        assert stream["status"] == "starting" and stream["kind"] == "hls"
        events_url = f"{served.url}{stream['events']}"
        with EventReader(events_url) as reader:
            reader.wait_for(lambda e: len(_windows(e)) >= 3, timeout=60, what="3 windows")
            assert reader.status == 200 and reader.content_type.startswith("text/event-stream")
            windows = [event.data for event in reader.of("window")]
            assert [w["index"] for w in windows[:3]] == [0, 1, 2]
            assert [e.id for e in reader.of("window")][:3] == ["0", "1", "2"]
            # One woman on screen (a loaded machine may pass over a window's frames).
            assert sum(w["faces"] for w in windows[:3]) > 0, windows[:3]
            assert all(w["people"] == len(w["tracks"]) <= 2 for w in windows[:3]), windows[:3]
            assert next(w for w in windows if w["tracks"])["tracks"][0]["id"] == 1
            assert windows[1]["start"] == pytest.approx(windows[0]["end"])
            assert reader.of("status")[-1].data["status"] == "live"
            # The statistics count the stream by its source while it runs: each track once
            # per window it is on screen.
            counted = api.get("/api/v1/stats", params={"source": "lecture"}).json()["faces"]
            recorded = api.get(f"/api/v1/streams/{stream['id']}").json()
            assert (
                counted
                == recorded["people"]
                == sum(w["people"] for w in recorded["timeline"]["items"])
            )
            assert counted >= 3
            assert "emokognition_live_streams 1.0" in api.get("/metrics").text
            listed = api.get("/api/v1/streams", params={"active": True}).json()
            assert [item["id"] for item in listed["items"]] == [stream["id"]]
            stopped = api.post(f"/api/v1/streams/{stream['id']}/stop")
            assert stopped.status_code == 200
            assert stopped.json()["stop_requested"] or stopped.json()["status"] == "stopped"
            reader.wait_for(lambda e: e[-1].event == "end", timeout=30, what="the end event")
        assert reader.of("end")[0].data["status"] == "stopped"
    final = api.get(f"/api/v1/streams/{stream['id']}", params={"limit": 1000}).json()
    assert final["status"] == "stopped" and final["reason"] == "stopped"
    indices = [w["index"] for w in final["timeline"]["items"]]
    assert indices == list(range(final["windows"])) and len(indices) >= 3
    assert [e.data["index"] for e in reader.of("window")] == indices  # every one, once
    stats = api.get("/api/v1/stats", params={"source": "lecture"}).json()
    assert stats["faces"] == final["people"] == sum(w["people"] for w in final["timeline"]["items"])
    assert "emokognition_live_streams 0.0" in api.get("/metrics").text
    analysis = api.get(f"/api/v1/analyses/{stream['id']}").json()
    assert analysis["kind"] == "stream" and analysis["status"] == "done"
    assert analysis["faces"] == final["faces"]


def test_events_resume_after_an_index_and_end_with_the_duration(
    served: LiveServer, live_segments: list[bytes]
) -> None:
    api = served.api
    with TsServer(live_segments) as ts:
        stream = api.post(
            "/api/v1/streams", json={"url": ts.url, "fps": 5, "window": 1, "duration": 4}
        ).json()
        assert stream["kind"] == "http" and stream["duration"] == 4
        with EventReader(f"{served.url}{stream['events']}?after=-1") as reader:
            reader.wait_for(lambda e: bool(e) and e[-1].event == "end", timeout=60, what="end")
    final = api.get(f"/api/v1/streams/{stream['id']}").json()
    assert final["status"] == "ended" and final["reason"] == "duration"
    assert [e.data["index"] for e in reader.of("window")] == list(range(final["windows"]))
    assert 3 <= final["windows"] <= 5 and final["faces"] > 0
    # A client that reconnects names the last window it had: it gets the rest, then the end.
    with EventReader(f"{served.url}{stream['events']}", headers={"Last-Event-ID": "1"}) as again:
        again.wait_for(lambda e: bool(e) and e[-1].event == "end", timeout=30, what="end")
    assert [e.data["index"] for e in again.of("window")] == list(range(2, final["windows"]))


def test_a_stream_that_never_answers_fails_with_the_reason(served: LiveServer) -> None:
    with silent_server() as url:
        stream = served.api.post("/api/v1/streams", json={"url": url}).json()

        def over() -> bool:
            status: str = served.api.get(f"/api/v1/streams/{stream['id']}").json()["status"]
            return status == "failed"

        wait_until(over, timeout=30, what="the stream to fail")
    final = served.api.get(f"/api/v1/streams/{stream['id']}").json()
    assert (
        final["error"]["code"] == "stream_failed"
        and "no answer within" in final["error"]["message"]
    )
    assert final["reason"] == "error" and final["windows"] == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "file:///etc/passwd"}, 400, "forbidden_url"),
        ({"url": "concat:/etc/passwd"}, 400, "forbidden_url"),
        ({"url": "/etc/passwd"}, 400, "forbidden_url"),
        ({"url": "ftp://example.org/live"}, 400, "forbidden_url"),
        ({"url": "http://10.1.2.3/live.m3u8"}, 400, "forbidden_url"),
        ({"url": "rtsp://127.0.0.1/live"}, 400, "forbidden_url"),
        ({"url": "https://no-such-host.invalid/live.m3u8"}, 422, "unknown_host"),
        ({"url": "https://example.org/a.m3u8", "fps": 0}, 422, "invalid_request"),
        ({"url": "https://example.org/a.m3u8", "window": 0.5}, 422, "invalid_request"),
        ({"url": "https://example.org/a.m3u8", "source": "no spaces"}, 400, "bad_request"),
        ({"url": "https://example.org/a.m3u8", "detector": "x"}, 422, "invalid_request"),
        ({"url": "https://example.org/a.m3u8", "extra": 1}, 422, "invalid_request"),
    ],
)
def test_refused_requests(
    make_settings: SettingsFactory, body: dict[str, Any], status: int, code: str
) -> None:
    with TestClient(create_app(make_settings())) as client:
        response = client.post("/api/v1/streams", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
        assert client.get("/api/v1/streams").json()["total"] == 0


def test_a_duration_over_the_limit_and_unknown_streams(make_settings: SettingsFactory) -> None:
    settings = make_settings(stream_max_seconds=60.0, allow_private_urls=True)
    with TestClient(create_app(settings)) as client:
        over = client.post(
            "/api/v1/streams", json={"url": "http://127.0.0.1:9/a.m3u8", "duration": 61}
        )
        assert over.status_code == 400 and "EMOKOGNITION_STREAM_MAX_SECONDS" in over.text
        missing = "0" * 32
        for method, path in [
            ("GET", f"/api/v1/streams/{missing}"),
            ("POST", f"/api/v1/streams/{missing}/stop"),
            ("GET", f"/api/v1/streams/{missing}/events"),
            ("GET", "/api/v1/streams/not-an-id"),
        ]:
            response = client.request(method, path)
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_more_streams_than_allowed_are_refused_with_retry_after(
    make_settings: SettingsFactory, live_segments: list[bytes]
) -> None:
    settings = make_settings(**{**STREAM_SETTINGS, "max_streams": 1})
    with HlsServer(live_segments) as hls, TestClient(create_app(settings)) as client:
        first = client.post("/api/v1/streams", json={"url": hls.url, "duration": 120})
        assert first.status_code == 202
        refused = client.post("/api/v1/streams", json={"url": hls.url})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "too_many_streams"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        client.post(f"/api/v1/streams/{first.json()['id']}/stop")
        wait_until(
            lambda: (
                client.get(f"/api/v1/streams/{first.json()['id']}").json()["status"] == "stopped"
            ),
            timeout=30,
            what="the first stream to stop",
        )
        second = client.post("/api/v1/streams", json={"url": hls.url})
        assert second.status_code == 202
        client.post(f"/api/v1/streams/{second.json()['id']}/stop")


def test_tokens_guard_writes_and_private_reads(make_settings: SettingsFactory) -> None:
    settings = make_settings(api_tokens="sesame", allow_private_urls=True)
    body = {"url": "http://127.0.0.1:9/live.m3u8"}  # refused by the host: it fails at once
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/v1/streams", json=body).status_code == 401
        auth = {"Authorization": "Bearer sesame"}
        stream = client.post("/api/v1/streams", json=body, headers=auth).json()
        for path in (
            "/api/v1/streams",
            f"/api/v1/streams/{stream['id']}",
            f"/api/v1/streams/{stream['id']}/events",
        ):
            assert client.get(path).status_code == 401
        assert client.post(f"/api/v1/streams/{stream['id']}/stop").status_code == 401
        assert client.get(f"/api/v1/streams/{stream['id']}", headers=auth).status_code == 200


def test_a_server_that_shuts_down_gives_its_stream_back_and_the_next_goes_on(
    stream_settings: Settings, live_segments: list[bytes]
) -> None:
    with HlsServer(live_segments) as hls:
        with TestClient(create_app(stream_settings)) as first:
            stream = first.post(
                "/api/v1/streams", json={"url": hls.url, "window": 1, "source": "handover"}
            ).json()
            wait_until(
                lambda: first.get(f"/api/v1/streams/{stream['id']}").json()["windows"] >= 2,
                timeout=60,
                what="2 windows",
            )
        database = Database(stream_settings.database_url)
        with database.session() as session:
            handed = get_stream(session=session, stream_id=stream["id"])
        database.dispose()
        assert handed.active and handed.lease_until is None and handed.attempts == 1
        with TestClient(create_app(stream_settings)) as second:
            wait_until(
                lambda: (
                    second.get(f"/api/v1/streams/{stream['id']}").json()["windows"]
                    >= handed.windows + 2
                ),
                timeout=60,
                what="windows in the second server",
            )
            second.post(f"/api/v1/streams/{stream['id']}/stop")
            wait_until(
                lambda: second.get(f"/api/v1/streams/{stream['id']}").json()["status"] == "stopped",
                timeout=30,
                what="the stream to stop",
            )
            final = second.get(f"/api/v1/streams/{stream['id']}").json()
    indices = [w["index"] for w in final["timeline"]["items"]]
    assert indices == list(range(final["windows"]))
    assert final["error"] is None and final["reason"] == "stopped"


def test_a_stream_that_drops_is_reconnecting_then_live_again(
    served: LiveServer, live_segments: list[bytes]
) -> None:
    api = served.api
    with HlsServer(live_segments) as hls:
        stream = api.post("/api/v1/streams", json={"url": hls.url, "window": 1}).json()
        with EventReader(f"{served.url}{stream['events']}") as reader:
            reader.wait_for(lambda e: len(_windows(e)) >= 2, timeout=60, what="windows")
            hls.stream.stop()  # the stream answers 404: down
            reader.wait_for(
                lambda e: "reconnecting" in [x.data["status"] for x in e if x.event == "status"],
                timeout=30,
                what="reconnecting",
            )
            seen = len(_windows(reader.events))
            hls.stream.resume()
            reader.wait_for(
                lambda e: len(_windows(e)) >= seen + 2, timeout=60, what="windows once back"
            )
            api.post(f"/api/v1/streams/{stream['id']}/stop")
            reader.wait_for(lambda e: e[-1].event == "end", timeout=30, what="the end")
    statuses = [e.data["status"] for e in reader.of("status")]
    back = statuses.index("reconnecting")
    assert "live" in statuses[back:] and statuses[-1] == "stopped"
    assert reader.of("end")[0].data["reconnects"] >= 1


def test_a_stream_that_stays_down_fails_as_lost(
    make_settings: SettingsFactory, live_segments: list[bytes]
) -> None:
    settings = make_settings(**{**STREAM_SETTINGS, "stream_reconnect_tries": 2})
    with HlsServer(live_segments) as hls, LiveServer(settings) as served:
        stream = served.api.post("/api/v1/streams", json={"url": hls.url, "window": 1}).json()
        wait_until(
            lambda: served.api.get(f"/api/v1/streams/{stream['id']}").json()["windows"] >= 1,
            timeout=60,
            what="a window",
        )
        hls.stream.stop()
        wait_until(
            lambda: served.api.get(f"/api/v1/streams/{stream['id']}").json()["status"] == "failed",
            timeout=60,
            what="the stream to fail",
        )
        final = served.api.get(f"/api/v1/streams/{stream['id']}").json()
    assert final["reason"] == "lost" and final["error"]["code"] == "stream_failed"
    assert "after 2 reconnection tries" in final["error"]["message"]
    assert final["windows"] >= 1  # what it saw is kept
