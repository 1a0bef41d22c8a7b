"""One analysis in a real browser: a video's player and timelines (a click seeks), a failed
analysis says why, a missing one is a 404 page; its media is served with Range."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import MediaServer, poll_done
from tests.shared import VIDEOS
from tests.web.pages.conftest import LiveServer, screenshot


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
    # and from the keyboard: each track's button seeks to where it starts
    last = page.locator("button.seek").last
    last.focus()
    page.keyboard.press("Enter")
    assert player.evaluate("v => v.currentTime") == pytest.approx(tracks[-1]["start"], abs=0.1)
    screenshot(page, "analysis-video")


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
