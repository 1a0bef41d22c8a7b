"""`emokognition serve` killed with jobs accepted, or stopped with SIGTERM in the middle of a
long video: the restarted server finishes them, each counted once."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from emokognition.store import Database, get_analysis
from emokognition.store.models import AnalysisRow, FaceRow
from tests.conftest import (
    MediaServer,
    ProcessFactory,
    SettingsFactory,
    free_port,
    poll_done,
    wait_until,
)


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


def test_sigterm_stops_a_long_video_between_batches_and_the_next_server_runs_it(
    make_settings: SettingsFactory, processes: ProcessFactory, long_video: bytes
) -> None:
    settings = make_settings(inline_workers=1, job_lease=2.0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["serve", "--port", str(port)]
    first = processes(args, settings, "serve-1")
    wait_until(lambda: _healthy(base), timeout=60, what="the first server")
    files = {"file": ("long.mp4", long_video, "video/mp4")}
    analysis_id = httpx.post(f"{base}/api/v1/analyses", files=files, timeout=60).json()["id"]
    wait_until(
        lambda: httpx.get(f"{base}/api/v1/analyses/{analysis_id}").json()["status"] == "running",
        timeout=60,
        what="the video job to start",
    )
    os.killpg(first.popen.pid, signal.SIGTERM)
    # Ends between batches, not after the whole video (uvicorn re-raises the signal it handled).
    assert first.popen.wait(30) in (0, -signal.SIGTERM)
    assert "queued again: stopped after" in first.output()
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            stopped = get_analysis(session=session, analysis_id=analysis_id)
            assert (stopped.status, stopped.attempts, stopped.result) == ("queued", 1, None)
            assert session.scalar(select(func.count()).select_from(FaceRow)) == 0
        processes(args, settings, "serve-2")
        wait_until(lambda: _healthy(base), timeout=60, what="the restarted server")
        with httpx.Client(base_url=base) as client:
            body = poll_done(client, analysis_id, timeout=300)
            stats = client.get("/api/v1/stats").json()
        assert body["status"] == "done" and body["result"]["tracks"], body["error"]
        with database.session() as session:
            assert get_analysis(session=session, analysis_id=analysis_id).attempts == 2
            faces = session.scalar(select(func.count()).select_from(FaceRow))
        assert faces == body["faces"] == body["result"]["summary"]["faces"]  # recorded once
        assert stats["faces"] == len(body["result"]["tracks"])  # people: each track once
    finally:
        database.dispose()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_sync_calls_to_several_server_processes_all_wait_for_their_result(
    make_settings: SettingsFactory, processes: ProcessFactory, photo: bytes
) -> None:
    """`serve --workers 2`: each process's pool also sweeps the queue, so a job accepted by
    one may be run by the other; its sync call still answers with the finished analysis."""
    # Sweeps every 0.2 s (a third of the lease): the other process takes queued jobs often.
    settings = make_settings(inline_workers=1, inline_queue=64, job_lease=0.6)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes(["serve", "--port", str(port), "--workers", "2"], settings, "serve-2-workers")
    wait_until(lambda: _healthy(base), timeout=90, what="the server processes")

    def post(_: int) -> tuple[int, str]:
        response = httpx.post(
            f"{base}/api/v1/analyses?mode=sync",
            files={"file": ("p.jpg", photo, "image/jpeg")},
            timeout=120,
        )
        return response.status_code, response.json()["status"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(24)))
    assert answers == [(200, "done")] * 24
    database = Database(settings.database_url)
    with database.session() as session:
        runs = session.execute(select(AnalysisRow.status, AnalysisRow.attempts)).all()
    database.dispose()
    assert [tuple(run) for run in runs] == [("done", 1)] * 24  # each ran once
