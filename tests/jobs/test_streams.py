"""Live streams whose process is killed with SIGKILL mid-stream: an inline server restarted, or
a Celery worker replaced (a real Redis); the stream goes on where its windows end, nothing is
recorded twice, and the events of the API process follow it across the processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from emokognition.config import Settings
from emokognition.store import Database, get_stream
from tests.conftest import Process, ProcessFactory, SettingsFactory, free_port, wait_until
from tests.video.live.streams import HlsServer
from tests.web.pages.conftest import LiveServer
from tests.web.sse import Event, EventReader

STREAM_SETTINGS: dict[str, Any] = {
    "allow_private_urls": True,
    "stream_timeout": 1.5,
    "stream_backoff_base": 0.2,
    "stream_backoff_max": 0.5,
    "stream_reconnect_tries": 20,
    "job_lease": 2.0,
}
BODY = {"source": "concert", "fps": 5, "window": 1}


def _recorded(settings: Settings, stream_id: str) -> tuple[int, int]:
    """Windows recorded and the highest track id, read from the database itself."""
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            stream = get_stream(session=session, stream_id=stream_id)
        return stream.windows, stream.tracks
    finally:
        database.dispose()


def _windows_at_least(api: httpx.Client, stream_id: str, count: int) -> bool:
    try:
        body = api.get(f"/api/v1/streams/{stream_id}").json()
    except httpx.HTTPError:
        return False
    return int(body.get("windows", 0)) >= count


def _stop(api: httpx.Client, stream_id: str) -> dict[str, Any]:
    assert api.post(f"/api/v1/streams/{stream_id}/stop").status_code == 200
    final: dict[str, Any] = {}

    def stopped() -> bool:
        nonlocal final
        final = api.get(f"/api/v1/streams/{stream_id}", params={"limit": 1000}).json()
        return bool(final["status"] == "stopped")

    wait_until(stopped, timeout=30, what="the stream to stop")
    return final


def _check_once(api: httpx.Client, final: dict[str, Any], before: tuple[int, int]) -> None:
    """Every window once, in order; its people counted once; the second attempt's tracks
    after the first one's; its time after the first one's."""
    windows = final["timeline"]["items"]
    assert [w["index"] for w in windows] == list(range(final["windows"]))
    starts = [w["start"] for w in windows]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    count, top_track = before
    assert final["windows"] >= count + 2, (final["windows"], count)
    later = [t["id"] for w in windows[count:] for t in w["tracks"]]
    assert later and min(later) > top_track
    stats = api.get("/api/v1/stats", params={"source": "concert"}).json()
    assert stats["faces"] == final["people"] == sum(w["people"] for w in windows)
    analysis = api.get(f"/api/v1/analyses/{final['id']}").json()
    assert analysis["faces"] == final["faces"] == sum(w["faces"] for w in windows)


def test_a_killed_server_s_stream_goes_on_in_the_restarted_one(
    make_settings: SettingsFactory, processes: ProcessFactory, live_segments: list[bytes]
) -> None:
    settings = make_settings(**STREAM_SETTINGS)
    port = free_port()
    args = ["serve", "--port", str(port), "--log-format", "json"]
    with HlsServer(live_segments) as hls, httpx.Client(base_url=f"http://127.0.0.1:{port}") as api:
        first = processes(args, settings, "serve-1")
        wait_until(lambda: _healthy(api), timeout=90, what="the first server")
        stream = api.post("/api/v1/streams", json={"url": hls.url, **BODY}).json()
        wait_until(lambda: _windows_at_least(api, stream["id"], 3), timeout=60, what="windows")
        first.kill()  # SIGKILL, mid-stream
        before = _recorded(settings, stream["id"])
        second = processes(args, settings, "serve-2")
        wait_until(lambda: _healthy(api), timeout=90, what="the restarted server")
        wait_until(
            lambda: _windows_at_least(api, stream["id"], before[0] + 3),
            timeout=60,
            what="windows after the restart",
        )
        assert '"message": "resumed 1 streams"' in second.output()
        final = _stop(api, stream["id"])
        _check_once(api, final, before)
        assert final["reason"] == "stopped" and final["error"] is None


@pytest.fixture
def celery_settings(make_settings: SettingsFactory, redis_url: str) -> Iterator[Settings]:
    queue = f"emokognition-test-{uuid.uuid4().hex[:8]}"
    yield make_settings(
        jobs="celery",
        broker_url=redis_url,
        celery_queue=queue,
        broker_visibility_timeout=3.0,
        **STREAM_SETTINGS,
    )
    broker = redis.Redis.from_url(redis_url)
    broker.delete(queue, f"_kombu.binding.{queue}")
    broker.close()


def _worker(processes: ProcessFactory, settings: Settings, name: str) -> Process:
    worker = processes(["worker", "--concurrency", "2"], settings, name)
    worker.wait_for_output("ready.", timeout=90)
    return worker


def _windows(events: list[Event]) -> list[Event]:
    return [event for event in events if event.event == "window"]


def test_a_killed_celery_worker_s_stream_goes_on_in_another_and_its_events_follow(
    celery_settings: Settings, processes: ProcessFactory, live_segments: list[bytes]
) -> None:
    worker_a = _worker(processes, celery_settings, "worker-a")
    with HlsServer(live_segments) as hls, LiveServer(celery_settings) as served:
        api = served.api
        stream = api.post("/api/v1/streams", json={"url": hls.url, **BODY}).json()
        with EventReader(f"{served.url}{stream['events']}?after=-1") as reader:
            reader.wait_for(lambda e: len(_windows(e)) >= 3, timeout=60, what="windows")
            worker_a.kill()  # SIGKILL: its stream task was acknowledged when it started
            before = _recorded(celery_settings, stream["id"])
            _worker(processes, celery_settings, "worker-b")
            reader.wait_for(
                lambda e: len(_windows(e)) >= before[0] + 3, timeout=60, what="windows of b"
            )
            final = _stop(api, stream["id"])
            reader.wait_for(lambda e: e[-1].event == "end", timeout=30, what="the end")
        # One connection to the API process saw every window once, whichever worker made it.
        assert [e.data["index"] for e in _windows(reader.events)] == list(range(final["windows"]))
        statuses = [e.data["status"] for e in reader.of("status")]
        assert "live" in statuses and statuses[-1] == "stopped"
        _check_once(api, final, before)


def _healthy(api: httpx.Client) -> bool:
    try:
        return api.get("/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
