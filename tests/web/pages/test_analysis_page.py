"""One analysis in a real browser: a video's player, the audience's mood first, then each
track's timeline (a click seeks, "Play from" plays from there); a running video shows its
progress, followed in place with JavaScript and by reloading without; a failed analysis says
why, a missing one is a 404 page; its media is served with Range."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Database,
    claim_analysis,
    create_analysis,
    finish_analysis,
    report_progress,
)
from tests.conftest import MediaServer, poll_done, wait_until
from tests.shared import VIDEOS
from tests.store.factories import face, video_result
from tests.web.pages.conftest import LiveServer, fits_phone, screenshot


@pytest.fixture(scope="module")
def video_analysis(live: LiveServer) -> dict[str, Any]:
    """woman_talking.mp4 (4.6 s), analysed synchronously."""
    data = (VIDEOS / "woman_talking.mp4").read_bytes()
    response = live.api.post(
        "/api/v1/analyses",
        params={"mode": "sync"},
        files={"file": ("talk.mp4", data, "video/mp4")},
        data={"source": "video-test"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_video_timeline_seeks_the_player(
    live: LiveServer, page: Page, video_analysis: dict[str, Any]
) -> None:
    tracks = video_analysis["result"]["tracks"]
    assert tracks
    page.goto(f"{live.url}/analyses/{video_analysis['id']}")
    player = page.locator("video#player")
    expect(player).to_be_visible()
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    duration = player.evaluate("v => v.duration")
    assert duration == pytest.approx(video_analysis["result"]["media"]["duration"], abs=0.2)
    expect(page.locator(".timeline[data-ready='true']")).to_have_count(len(tracks))
    expect(page.locator(".track .main-emotion")).to_have_text([t["main"] for t in tracks])
    # A click at three quarters of a timeline jumps the player to three quarters of the video.
    over = page.locator(".timeline .u-over").first
    box = over.bounding_box()
    assert box is not None
    over.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime) > 0")
    assert player.evaluate("v => v.currentTime") == pytest.approx(duration * 0.75, abs=0.25)
    screenshot(page, "analysis-video")
    fits_phone(page)


def test_the_audience_is_the_first_chart(
    live: LiveServer, page: Page, video_analysis: dict[str, Any]
) -> None:
    audience = video_analysis["result"]["audience"]
    assert len(audience) == 5  # 4.6 s in 1 s buckets
    page.goto(f"{live.url}/analyses/{video_analysis['id']}")
    charts = page.locator(".chart-area")
    expect(charts.first).to_have_id("audience-chart")
    expect(page.locator("#audience-chart[data-ready='true'] canvas")).to_have_count(1)
    # its numbers are the result's: each bucket's mean probabilities at its middle
    data = json.loads(page.locator("#audience-data").text_content() or "{}")
    assert data["t"] == [pytest.approx((s["start"] + s["end"]) / 2) for s in audience]
    for emotion in EMOTIONS:
        assert data["series"][emotion] == [
            pytest.approx(s["emotions"][emotion], abs=1e-4) for s in audience
        ]
    # the strip of main-emotion shares, drawn without JavaScript: a column per second
    strip = page.locator("#audience-strip g")
    expect(strip).to_have_count(len(audience))
    first = audience[0]
    title = strip.first.locator("title")
    main_share = round(first["shares"][first["main"]] * 100)
    expect(title).to_contain_text(f"{first['faces']} face")
    expect(title).to_contain_text(f"{first['main']} {main_share} %")
    # a click on the strip at the middle of the video jumps there
    player = page.locator("video#player")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    box = page.locator("#audience-strip").bounding_box()
    assert box is not None
    page.locator("#audience-strip").click(position={"x": box["width"] / 2, "y": 10})
    duration = player.evaluate("v => v.duration")
    # polled from here: the page's CSP forbids the eval that wait_for_function polls with
    wait_until(lambda: player.evaluate("v => v.currentTime") > 0, timeout=10, what="a seek")
    assert player.evaluate("v => v.currentTime") == pytest.approx(duration / 2, abs=0.25)
    page.locator("#audience summary").click()
    expect(page.locator("#audience-table tbody tr")).to_have_count(len(audience))


def test_play_from_plays_the_video_from_there(live: LiveServer, page: Page) -> None:
    data = (VIDEOS / "hamilton_stage.mp4").read_bytes()
    body = live.api.post(
        "/api/v1/analyses",
        params={"mode": "sync"},
        files={"file": ("stage.mp4", data, "video/mp4")},
    ).json()
    later = next(t for t in body["result"]["tracks"] if t["start"] >= 2 and t["frames"] >= 5)
    page.goto(f"{live.url}/analyses/{body['id']}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    player = page.locator("video#player")
    # where it was when it began to play (the page's own code is not touched)
    player.evaluate(
        "v => v.addEventListener('playing', () => { window.startedAt = v.currentTime }, "
        "{ once: true })"
    )
    button = page.locator(f"#track-{later['id']} button.seek")
    expect(button).to_have_text(f"Play from {later['start']:.1f} s")
    button.click()
    wait_until(
        lambda: player.evaluate(f"v => !v.paused && v.currentTime > {later['start'] + 0.5}"),
        timeout=15,
        what="the video to play from there",
    )
    assert page.evaluate("window.startedAt") == pytest.approx(later["start"], abs=0.3)
    player.evaluate("v => v.pause()")
    screenshot(page, "analysis-video-crowd")
    fits_phone(page)


def _running_video(live: LiveServer) -> str:
    """A video analysis held by the test as if its worker were decoding it."""
    database = Database(live.settings.database_url)
    try:
        with database.session() as session:
            queued = create_analysis(session=session, source="progress-test", kind="video")
            job = claim_analysis(session=session, analysis_id=queued.id, lease=3600, max_attempts=3)
            assert job is not None
        return job.id
    finally:
        database.dispose()


def _report(live: LiveServer, analysis_id: str, done: int, total: int) -> None:
    database = Database(live.settings.database_url)
    try:
        with database.session() as session:
            assert report_progress(
                session=session, analysis_id=analysis_id, attempt=1, done=done, total=total
            )
    finally:
        database.dispose()


def _finish(live: LiveServer, analysis_id: str) -> None:
    database = Database(live.settings.database_url)
    try:
        with database.session() as session:
            result = video_result([[face("happy", "sad", track=1)]] * 3)
            assert finish_analysis(
                session=session, analysis_id=analysis_id, attempt=1, result=result
            )
    finally:
        database.dispose()


def test_a_running_video_shows_its_progress_in_place(live: LiveServer, page: Page) -> None:
    analysis_id = _running_video(live)
    _report(live, analysis_id, 45, 180)
    assert live.api.get(f"/api/v1/analyses/{analysis_id}").json()["progress"] == {
        "done": 45,
        "total": 180,
    }
    page.goto(f"{live.url}/analyses/{analysis_id}")
    expect(page.locator("#progress-text")).to_have_text("45 of 180 frames (25 %)")
    expect(page.locator("#progress progress")).to_have_attribute("value", "45")
    screenshot(page, "analysis-running")
    fits_phone(page)
    page.evaluate("window.notReloaded = true")
    _report(live, analysis_id, 135, 180)
    expect(page.locator("#progress-text")).to_have_text("135 of 180 frames (75 %)")
    _finish(live, analysis_id)
    expect(page.locator("#analysis .status")).to_have_text("done")
    assert page.evaluate("window.notReloaded") is True  # followed in place, not reloaded


def test_without_javascript_a_running_page_reloads_itself(
    live: LiveServer, browser: Browser
) -> None:
    analysis_id = _running_video(live)
    _report(live, analysis_id, 10, 100)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live.url}/analyses/{analysis_id}")
        expect(page.locator("#progress-text")).to_have_text("10 of 100 frames (10 %)")
        _report(live, analysis_id, 60, 100)
        expect(page.locator("#progress-text")).to_have_text("60 of 100 frames (60 %)")
        _finish(live, analysis_id)
        expect(page.locator("#analysis .status")).to_have_text("done")
        expect(page.locator("#audience-strip g")).to_have_count(1)  # drawn by the server
        refresh = page.locator("meta[http-equiv='refresh']")
        expect(refresh).to_have_count(0)  # done: it stays
    finally:
        context.close()


def test_media_is_served_with_range_and_a_small_preview(
    live: LiveServer, video_analysis: dict[str, Any]
) -> None:
    size = (VIDEOS / "woman_talking.mp4").stat().st_size
    media = f"/analyses/{video_analysis['id']}/media"
    part = live.api.get(media, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.headers["content-type"] == "video/mp4"
    preview = live.api.get(f"/analyses/{video_analysis['id']}/thumbnail")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    assert preview.content[:3] == b"\xff\xd8\xff" and len(preview.content) < 40_000


def test_failed_and_missing_analyses_say_why(
    live: LiveServer, page: Page, media_files: MediaServer
) -> None:
    media_files.release()
    accepted = live.api.post("/api/v1/analyses", json={"url": media_files.url("/text.txt")})
    failed = poll_done(live.api, accepted.json()["id"])
    assert failed["status"] == "failed"
    page.goto(f"{live.url}/analyses/{failed['id']}")
    expect(page.locator("#failure")).to_contain_text(failed["error"]["message"])
    screenshot(page, "analysis-failed")
    response = page.goto(f"{live.url}/analyses/{'0' * 32}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert live.api.get(f"/analyses/{'0' * 32}/media").status_code == 404
    response = page.goto(f"{live.url}/no/such/page")  # a mistyped link: a page, not JSON
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    missing = live.api.get("/api/v1/no-such-endpoint", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
