"""Celery mode for real: `emokognition worker` processes, a real Redis and RabbitMQ, and
workers killed with SIGKILL in the middle of a job."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from kombu import Connection

from emokognition.config import Settings
from emokognition.web import create_app
from tests.conftest import (
    MediaServer,
    Process,
    ProcessFactory,
    SettingsFactory,
    empty_postgres,
    poll_done,
    wait_until,
)

JPEG = "image/jpeg"


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Celery runs on PostgreSQL here (the deployment it is for); inline covers SQLite."""
    empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def celery_settings(make_settings: SettingsFactory, redis_url: str) -> Iterator[Settings]:
    queue = f"emokognition-test-{uuid.uuid4().hex[:8]}"
    yield make_settings(
        jobs="celery",
        broker_url=redis_url,
        celery_queue=queue,
        broker_visibility_timeout=3.0,
        job_lease=2.0,
        allow_private_urls=True,
    )
    broker = redis.Redis.from_url(redis_url)
    broker.delete(queue, f"_kombu.binding.{queue}")
    broker.close()


def _worker(processes: ProcessFactory, settings: Settings, name: str) -> Process:
    worker = processes(["worker", "--concurrency", "1"], settings, name)
    worker.wait_for_output("ready.", timeout=60)
    return worker


def test_jobs_run_on_workers(
    celery_settings: Settings, processes: ProcessFactory, photo: bytes, group_photo: bytes
) -> None:
    _worker(processes, celery_settings, "worker-a")
    _worker(processes, celery_settings, "worker-b")
    with TestClient(create_app(celery_settings)) as client:
        assert client.get("/health").json() == {
            **client.get("/health").json(),
            "status": "ok",
            "jobs": "celery",
        }
        ids = [
            client.post("/api/v1/analyses", files={"file": (f"{i}.jpg", photo, JPEG)}).json()["id"]
            for i in range(6)
        ]
        sync = client.post(
            "/api/v1/analyses?mode=sync", files={"file": ("g.jpg", group_photo, JPEG)}
        )
        assert sync.status_code == 200 and sync.json()["status"] == "done"
        bodies = [poll_done(client, analysis_id) for analysis_id in ids]
        assert {body["status"] for body in bodies} == {"done"}
        stats = client.get("/api/v1/stats").json()
        assert stats["faces"] == sum(b["faces"] for b in bodies) + sync.json()["faces"]
        assert "emokognition_queue_depth 0.0" in client.get("/metrics").text


def test_health_reports_the_workers_alive_and_the_oldest_queued_job(
    celery_settings: Settings, processes: ProcessFactory, photo: bytes
) -> None:
    settings = celery_settings.model_copy(update={"sync_timeout": 300.0})
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 200  # readable, and jobs are accepted: they wait
        assert health.json()["status"] == "degraded" and health.json()["workers"] == 0
        assert health.json()["queue"] == "no worker seen in the last 20 s"
        assert health.json()["oldest_queued_seconds"] is None
        # Nobody would finish it meanwhile: answered at once, not after sync_timeout.
        sync = client.post("/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)})
        assert sync.status_code == 202 and sync.json()["status"] == "queued"
        assert client.get("/health").json()["oldest_queued_seconds"] >= 0
        worker = _worker(processes, settings, "worker-a")
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["workers"] == 1 and health["queue"] == "ok"
        assert "emokognition_workers 1.0" in client.get("/metrics").text
        assert poll_done(client, sync.json()["id"], timeout=60)["status"] == "done"
        assert client.get("/health").json()["oldest_queued_seconds"] is None
        worker.stop()  # a worker stopping on purpose is forgotten at once
        assert client.get("/health").json()["workers"] == 0


def test_sigterm_stops_a_worker_s_long_video_and_another_worker_runs_it(
    celery_settings: Settings, processes: ProcessFactory, long_video: bytes
) -> None:
    worker_a = _worker(processes, celery_settings, "worker-a")
    with TestClient(create_app(celery_settings)) as client:
        files = {"file": ("long.mp4", long_video, "video/mp4")}
        analysis_id = client.post("/api/v1/analyses", files=files).json()["id"]
        wait_until(
            lambda: client.get(f"/api/v1/analyses/{analysis_id}").json()["status"] == "running",
            timeout=60,
            what="the video job to start",
        )
        os.killpg(worker_a.popen.pid, signal.SIGTERM)  # Celery's warm shutdown
        worker_a.popen.wait(30)  # between batches, not after the whole video
        assert "queued again: stopped after" in worker_a.output()
        assert client.get(f"/api/v1/analyses/{analysis_id}").json()["status"] == "queued"
        _worker(processes, celery_settings, "worker-b")
        body = poll_done(client, analysis_id, timeout=300)
        assert body["status"] == "done" and body["result"]["tracks"], body["error"]
        stats = client.get("/api/v1/stats").json()
        assert stats["faces"] == len(body["result"]["tracks"])  # each person counted once


def test_a_killed_worker_s_job_is_retried_by_another(
    celery_settings: Settings, processes: ProcessFactory, media_server: MediaServer
) -> None:
    worker_a = _worker(processes, celery_settings, "worker-a")
    with TestClient(create_app(celery_settings)) as client:
        analysis_id = client.post(
            "/api/v1/analyses", json={"url": media_server.url("/stall/kill.jpg")}
        ).json()["id"]
        wait_until(
            lambda: media_server.stalled["/stall/kill.jpg"] == 1, timeout=30, what="download"
        )
        assert client.get(f"/api/v1/analyses/{analysis_id}").json()["status"] == "running"
        worker_a.kill()
        media_server.release()
        _worker(processes, celery_settings, "worker-b")
        body = poll_done(client, analysis_id, timeout=60)
        assert body["status"] == "done" and body["faces"] >= 1
        assert media_server.stalled["/stall/kill.jpg"] == 2  # downloaded again, by worker b
        assert client.get("/api/v1/stats").json()["faces"] == body["faces"]  # not doubled


def test_after_the_retry_limit_the_job_fails_with_the_reason(
    celery_settings: Settings,
    processes: ProcessFactory,
    media_server: MediaServer,
) -> None:
    settings = celery_settings.model_copy(update={"job_attempts": 1})
    worker_a = _worker(processes, settings, "worker-a")
    with TestClient(create_app(settings)) as client:
        analysis_id = client.post(
            "/api/v1/analyses", json={"url": media_server.url("/stall/doomed.jpg")}
        ).json()["id"]
        wait_until(
            lambda: media_server.stalled["/stall/doomed.jpg"] == 1, timeout=30, what="download"
        )
        worker_a.kill()
        _worker(processes, settings, "worker-b")
        body = poll_done(client, analysis_id, timeout=60)
        assert body["status"] == "failed" and body["error"]["code"] == "worker_lost"
        assert "lost 1 times" in body["error"]["message"]
        assert media_server.stalled["/stall/doomed.jpg"] == 1  # not tried again


def test_jobs_whose_messages_the_broker_lost_are_sent_again_and_run_once(
    celery_settings: Settings, processes: ProcessFactory, photo: bytes, redis_url: str
) -> None:
    """20 jobs queued with no worker, their messages lost (as by a Redis restart without
    persistence): a worker's sweeper finds them in the database, and each runs exactly once."""
    with TestClient(create_app(celery_settings)) as client:
        ids = [
            client.post("/api/v1/analyses", files={"file": (f"{i}.jpg", photo, JPEG)}).json()["id"]
            for i in range(20)
        ]
        broker = redis.Redis.from_url(redis_url)
        assert broker.llen(celery_settings.celery_queue) == 20
        broker.delete(celery_settings.celery_queue)  # the messages are lost
        broker.close()
        _worker(processes, celery_settings, "worker-a")
        _worker(processes, celery_settings, "worker-b")
        bodies = [poll_done(client, analysis_id, timeout=120) for analysis_id in ids]
        assert [body["status"] for body in bodies] == ["done"] * 20
        stats = client.get("/api/v1/stats").json()
        assert stats["faces"] == sum(body["faces"] for body in bodies)  # none counted twice


@pytest.fixture
def rabbitmq_settings(celery_settings: Settings, rabbitmq_url: str) -> Iterator[Settings]:
    settings = celery_settings.model_copy(update={"broker_url": rabbitmq_url})
    yield settings
    with Connection(rabbitmq_url) as connection:  # after the workers stopped
        channel: Any = connection.default_channel
        channel.queue_delete(settings.celery_queue)


def test_rabbitmq_works_too_and_redelivers_at_once(
    rabbitmq_settings: Settings, processes: ProcessFactory, media_server: MediaServer
) -> None:
    worker_a = _worker(processes, rabbitmq_settings, "worker-a")
    with TestClient(create_app(rabbitmq_settings)) as client:
        assert client.get("/health").json()["queue"] == "ok"
        stalled = client.post(
            "/api/v1/analyses", json={"url": media_server.url("/stall/rabbit.jpg")}
        ).json()["id"]
        wait_until(lambda: media_server.stalled["/stall/rabbit.jpg"] == 1, timeout=30, what="job")
        worker_a.kill()
        media_server.release()
        _worker(processes, rabbitmq_settings, "worker-b")
        body = poll_done(client, stalled, timeout=60)
        assert body["status"] == "done" and media_server.stalled["/stall/rabbit.jpg"] == 2
