"""A full inline pool's Retry-After comes from how long jobs took here, not a fixed guess."""

from __future__ import annotations

import math
import time

from fastapi.testclient import TestClient

from emokognition.web import create_app
from tests.conftest import MediaServer, SettingsFactory, poll_done

JPEG = "image/jpeg"
WORKERS, QUEUE = 1, 8


def test_retry_after_is_the_measured_drain_time(
    make_settings: SettingsFactory, media_server: MediaServer, photo: bytes
) -> None:
    settings = make_settings(allow_private_urls=True, inline_workers=WORKERS, inline_queue=QUEUE)
    with TestClient(create_app(settings)) as client:
        slowest = 0.0  # a sync call's wall time bounds its job's from above
        for _ in range(3):
            started = time.monotonic()
            done = client.post("/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)})
            slowest = max(slowest, time.monotonic() - started)
            assert done.status_code == 200 and done.json()["status"] == "done"
        held = [
            client.post("/api/v1/analyses", json={"url": media_server.url(f"/stall/{n}.jpg")})
            for n in range(WORKERS + QUEUE)
        ]
        assert [answer.status_code for answer in held] == [202] * (WORKERS + QUEUE)
        refused = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "queue_full"
        # 9 jobs ahead on one worker at the pace measured: not 9 s whatever the pace.
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= math.ceil((WORKERS + QUEUE) * slowest / WORKERS)
        media_server.release()
        for answer in held:
            assert poll_done(client, answer.json()["id"])["status"] == "done"
