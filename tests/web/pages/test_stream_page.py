"""A live stream in a real browser: started from the upload page, its page follows the stream
(timeline, current mood, people on screen, counters) without reloading; the dashboard lists
it while it runs; Stop stops it; without JavaScript the page refreshes itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from emokognition.emotions import EMOTIONS
from tests.conftest import wait_until
from tests.video.live.streams import HlsServer
from tests.web.pages.conftest import LiveServer, _settings, screenshot


@pytest.fixture(scope="module")
def streaming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = _settings(
        tmp_path_factory.mktemp("streams"),
        allow_private_urls=True,
        stream_timeout=1.5,
        stream_backoff_base=0.2,
        stream_backoff_max=0.5,
        job_lease=3.0,
    )
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def hls(live_segments: list[bytes]) -> Iterator[HlsServer]:
    with HlsServer(live_segments) as server:
        yield server


def _count(page: Page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-value") or 0)


def test_started_from_the_upload_page_followed_live_listed_and_stopped(
    streaming: LiveServer, page: Page, hls: HlsServer
) -> None:
    page.goto(f"{streaming.url}/upload")
    page.fill("#url", hls.url)
    page.check("#live")
    page.fill("#source-name", "keynote")
    page.click("button[type=submit]")
    page.wait_for_url(f"{streaming.url}/streams/*")
    stream_id = page.url.rsplit("/", 1)[-1]
    page.evaluate("window.notReloaded = true")
    # Windows arrive as events: counters, timeline, mood and table change in place.
    wait_until(lambda: _count(page, "#windows-count") >= 3, timeout=60, what="3 windows")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#status .status")).to_have_text("live")
    expect(page.locator("#current-main")).to_have_text(re.compile(f"^({'|'.join(EMOTIONS)})$"))
    expect(page.locator("#people li").first).to_contain_text("Person ")
    assert int(page.locator("#timeline-chart").get_attribute("data-points") or 0) >= 3
    expect(page.locator("#timeline-chart .u-over")).to_have_count(1)
    assert page.locator("#windows-table tbody tr").count() >= 3
    shares = page.locator("#current-shares .share").all_text_contents()
    assert sum(int(share.split()[0]) for share in shares) in range(98, 103)  # rounded
    api = streaming.api.get(f"/api/v1/streams/{stream_id}").json()
    assert api["source"] == "keynote" and api["status"] == "live"
    screenshot(page, "stream-live")
    # The dashboard lists it while it runs.
    dashboard = page.context.new_page()
    dashboard.goto(f"{streaming.url}/")
    expect(dashboard.locator(f"#live-streams li[data-id='{stream_id}'] a")).to_have_text("keynote")
    dashboard.close()
    # A stream's analysis page is its live page.
    page.goto(f"{streaming.url}/analyses/{stream_id}")
    page.wait_for_url(f"{streaming.url}/streams/{stream_id}")
    page.click("#stop-form button")
    page.wait_for_url(f"{streaming.url}/streams/{stream_id}")
    expect(page.locator("#ended")).to_be_visible(timeout=30_000)
    expect(page.locator("#status .status")).to_have_text("stopped")
    expect(page.locator("#stop-form")).to_be_hidden()
    page.reload()
    expect(page.locator("#status .status")).to_have_text("stopped")
    assert page.locator("#ended").text_content() == "This stream is over (stopped)."
    screenshot(page, "stream-stopped")
    listed = page.context.new_page()
    listed.goto(f"{streaming.url}/")
    expect(listed.locator(f"#live-streams li[data-id='{stream_id}']")).to_have_count(0)
    listed.close()


def test_without_javascript_the_page_refreshes_itself(
    streaming: LiveServer, browser: Browser, hls: HlsServer
) -> None:
    stream = streaming.api.post(
        "/api/v1/streams", json={"url": hls.url, "fps": 5, "window": 2, "source": "nojs"}
    ).json()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{streaming.url}/streams/{stream['id']}")
        expect(page.locator("#windows-table tbody tr").first).to_be_attached(timeout=30_000)
        first = _count(page, "#windows-count")
        # Scripts are off: the count moves on only because the browser loads the page again
        # by itself (a refresh in <noscript>).
        expect(page.locator("#windows-count")).not_to_have_attribute(
            "data-value", str(first), timeout=30_000
        )
        assert _count(page, "#windows-count") > first
        page.click("#stop-form button")
        expect(page.locator("#status .status")).to_have_text("stopped", timeout=30_000)
    finally:
        context.close()
