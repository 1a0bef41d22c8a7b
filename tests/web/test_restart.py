"""`emokognition serve` killed with jobs accepted: the restarted server finishes them."""

from __future__ import annotations

import httpx

from tests.conftest import MediaServer, ProcessFactory, SettingsFactory, free_port, wait_until


def test_a_restarted_server_finishes_what_it_had_accepted(
    make_settings: SettingsFactory, processes: ProcessFactory, media_server: MediaServer
) -> None:
    settings = make_settings(allow_private_urls=True, inline_workers=1, job_lease=2.0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["serve", "--port", str(port), "--log-format", "json"]
    first = processes(args, settings, "serve-1")
    wait_until(lambda: _healthy(base), timeout=60, what="the first server")
    ids = [
        httpx.post(
            f"{base}/api/v1/analyses", json={"url": media_server.url(f"/stall/{i}.jpg")}
        ).json()["id"]
        for i in range(4)
    ]
    wait_until(lambda: media_server.stalled["/stall/0.jpg"] == 1, timeout=30, what="job 0")
    first.kill()  # SIGKILL: one job running, three queued
    media_server.release()
    second = processes(args, settings, "serve-2")
    wait_until(lambda: _healthy(base), timeout=60, what="the restarted server")
    bodies = {}

    def all_finished() -> bool:
        for analysis_id in ids:
            bodies[analysis_id] = httpx.get(f"{base}/api/v1/analyses/{analysis_id}").json()
        return all(body["status"] in ("done", "failed") for body in bodies.values())

    wait_until(all_finished, timeout=60, what="the accepted jobs")
    assert [body["status"] for body in bodies.values()] == ["done"] * 4, bodies
    assert all(body["faces"] >= 1 for body in bodies.values())
    assert '"message": "resumed' in second.output()
    assert httpx.get(f"{base}/api/v1/stats").json()["faces"] == sum(
        body["faces"] for body in bodies.values()
    )


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
