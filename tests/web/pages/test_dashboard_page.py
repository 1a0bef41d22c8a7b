"""The dashboard in a real browser: its numbers are /api/v1/stats's, filters included; an
empty database renders; names containing HTML are shown as text."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from emokognition.emotions import EMOTIONS
from emokognition.store import Database, record_source_post, utcnow
from tests.store.factories import face, image_result, recorded, video_result
from tests.web.pages.conftest import LiveServer, fits_phone, screenshot

HOSTILE = "<img src=x onerror=alert(1)>"


def _record(live: LiveServer, result: dict[str, Any], source: str, ago: timedelta) -> str:
    database = Database(live.settings.database_url)
    try:
        return recorded(database, result, source=source, now=utcnow() - ago).id
    finally:
        database.dispose()


def _shown(page: Page) -> dict[str, Any]:
    """The numbers the dashboard shows, in the shape of /api/v1/stats."""
    values = page.locator("[data-axis]").evaluate_all(
        "all => all.map(e => [e.dataset.axis, e.dataset.emotion, Number(e.dataset.value)])"
    )
    shown: dict[str, Any] = {
        "faces": int(page.locator("#total-faces").get_attribute("data-value") or -1)
    }
    for axis, emotion, value in values:
        shown.setdefault(axis, {})[emotion] = value
    return shown


def test_numbers_equal_the_stats_api_with_and_without_filters(live: LiveServer, page: Page) -> None:
    _record(
        live,
        image_result([face("happy", "surprised"), face("sad", "happy")]),
        "dash-a",
        timedelta(0),
    )
    _record(live, video_result([[face("angry", "sad", track=1)]] * 3), "dash-b", timedelta(hours=3))
    _record(live, image_result([face("neutral", "sad")]), "dash-a", timedelta(days=9))
    page.goto(f"{live.url}/")
    stats = live.api.get("/api/v1/stats").json()
    assert _shown(page) == stats and stats["faces"] >= 4  # the video's track counts once
    analyses = live.api.get("/api/v1/analyses", params={"limit": 1}).json()["total"]
    expect(page.locator("#total-analyses")).to_have_attribute("data-value", str(analyses))
    expect(page.locator("#mood-chart canvas")).to_have_count(1)
    expect(page.locator("#mood-title")).to_contain_text("per day")  # 9 days: by day
    expect(page.locator("#latest > li")).to_have_count(min(12, analyses))
    screenshot(page, "dashboard")

    # One source over the last two days: by hour, and still the API's numbers.
    today = utcnow().date()
    page.get_by_label("Source").select_option("dash-a")
    page.get_by_label("From (UTC day)").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("To (UTC day, included)").fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"source=dash-a"))
    json_link = page.get_by_role("link", name="These numbers as JSON").get_attribute("href") or ""
    query = {k: v[0] for k, v in parse_qs(urlsplit(json_link).query).items()}
    assert query["source"] == "dash-a" and query["since"].startswith(
        (today - timedelta(days=1)).isoformat()
    )
    filtered = live.api.get("/api/v1/stats", params=query).json()
    assert _shown(page) == filtered
    assert filtered["faces"] == 2 and filtered["main"]["happy"] == 1
    expect(page.locator("#mood-title")).to_contain_text("per hour")
    expect(page.locator("#mood-table tbody tr")).to_have_count(1)
    expect(page.locator("#total-analyses")).to_have_attribute("data-value", "1")
    screenshot(page, "dashboard-filtered")


def test_an_empty_database_renders(empty_live: LiveServer, page: Page) -> None:
    page.goto(f"{empty_live.url}/")
    expect(page.locator("#total-faces")).to_have_text("0")
    expect(page.locator("#total-analyses")).to_have_text("0")
    expect(page.locator("#empty-title")).to_have_text("No faces yet")
    assert _shown(page) == {
        "faces": 0,
        "main": dict.fromkeys(EMOTIONS, 0),
        "alternative": dict.fromkeys(EMOTIONS, 0),
    }
    expect(page.locator("#emotions small").first).to_have_text("0.0 %")
    expect(page.locator("#mood-chart")).to_have_count(0)
    screenshot(page, "dashboard-empty")
    # Filters that match nothing, and a range given backwards, are said so.
    page.goto(f"{empty_live.url}/?source=nobody&since=2020-01-01&until=2020-01-31")
    expect(page.locator("#empty-title")).to_be_visible()
    response = page.goto(f"{empty_live.url}/?since=2020-02-01&until=2020-01-01")
    assert response is not None and response.status == 400
    expect(page.locator(".error")).to_contain_text("'since' (2020-02-01) is after 'until'")
    for query in ("until=9999-12-31", "since=0001-01-01", "since=2026-13-45"):
        response = page.goto(f"{empty_live.url}/?{query}")
        assert response is not None and response.status == 400, query


def test_html_in_a_source_name_is_shown_as_text(live: LiveServer, page: Page) -> None:
    analysis_id = _record(live, image_result([face("happy", "neutral")]), HOSTILE, timedelta(0))
    page.goto(f"{live.url}/")
    expect(page.locator("#source option", has_text=HOSTILE)).to_have_count(1)
    expect(page.locator(f"a[href='/analyses/{analysis_id}']")).to_contain_text(HOSTILE)
    page.get_by_label("Source").select_option(HOSTILE)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#total-faces")).to_have_text("1")
    page.goto(f"{live.url}/analyses/{analysis_id}")
    expect(page.locator("#source")).to_have_text(HOSTILE)
    expect(page.locator("img[src='x']")).to_have_count(0)


def test_the_landmark_bots_answers_are_listed_per_source(live: LiveServer, page: Page) -> None:
    database = Database(live.settings.database_url)
    try:
        with database.session() as session:
            for post_id, landmark in (
                ("lm-1", {"name": HOSTILE, "score": 0.87, "mid": "/m/x"}),
                ("lm-2", {}),
            ):
                record_source_post(
                    session=session,
                    source="landmark-test",
                    post_id=post_id,
                    media_key="photo",
                    analysis_id=None,
                    landmark=landmark,
                )
    finally:
        database.dispose()
    page.goto(f"{live.url}/?source=landmark-test")
    rows = page.locator("#landmarks tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("none recognised")  # newest first
    expect(rows.nth(1)).to_contain_text(HOSTILE)
    expect(rows.nth(1)).to_contain_text("87 %")
    expect(page.locator("img[src='x']")).to_have_count(0)
    screenshot(page, "dashboard-landmarks")
    fits_phone(page)


def test_faces_of_two_classifiers_are_flagged_and_can_be_chosen(
    live: LiveServer, page: Page
) -> None:
    _record(live, image_result([face("happy", "sad")]), "dash-c", timedelta(0))
    _record(
        live,
        image_result([face("sad", "angry")] * 2, classifier="emonet32-fer2013"),
        "dash-c",
        timedelta(0),
    )
    page.goto(f"{live.url}/?source=dash-c")
    expect(page.locator("#mixed-classifiers")).to_contain_text("2 classifiers")
    page.select_option("#classifier", "emonet32-fer2013")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#mixed-classifiers")).to_have_count(0)
    assert parse_qs(urlsplit(page.url).query)["classifier"] == ["emonet32-fer2013"]
    stats = live.api.get(
        "/api/v1/stats", params={"source": "dash-c", "classifier": "emonet32-fer2013"}
    ).json()
    assert _shown(page) == stats and stats["faces"] == 2 and stats["main"]["sad"] == 2


def test_sources_side_by_side_and_people_not_face_frames(live: LiveServer, page: Page) -> None:
    _record(
        live, image_result([face("happy", "sad"), face("sad", "happy")]), "side-x", timedelta(0)
    )
    video = video_result([[face("angry", "sad", track=1)]] * 3)
    video_id = _record(live, video, "side-y", timedelta(0))
    _record(live, image_result([face("neutral", "angry")]), "side-y", timedelta(0))
    page.goto(f"{live.url}/")
    expect(page.locator("#counting")).to_contain_text("people, not face-frames")
    expect(page.locator("#counting")).to_contain_text("live stream")
    card = page.locator(f"a[href='/analyses/{video_id}']")
    expect(card).to_contain_text("1 person in 3 face-frames")
    form = page.get_by_role("form", name="What to put side by side")
    form.get_by_label("side-y").check()
    form.get_by_label("side-x").check()
    form.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"compare=side-x&compare=side-y"))  # in the sources' order
    cards = page.locator("#compared > li")
    expect(cards).to_have_count(2)
    for index, source in enumerate(("side-x", "side-y")):
        stats = live.api.get("/api/v1/stats", params={"source": source}).json()
        shown = cards.nth(index)
        expect(shown).to_have_attribute("data-source", source)
        expect(shown.locator(".people")).to_have_attribute("data-value", str(stats["faces"]))
        values = shown.locator("[data-axis-compare]").evaluate_all(
            "all => all.map(e => [e.dataset.axisCompare, e.dataset.emotion, +e.dataset.value])"
        )
        assert {(axis, emotion): n for axis, emotion, n in values} == {
            (axis, emotion): stats[axis][emotion]
            for axis in ("main", "alternative")
            for emotion in EMOTIONS
        }
    expect(cards.nth(1)).to_contain_text("2 people")  # a photo's face and the video's track
    screenshot(page, "dashboard-compare")
    fits_phone(page)
    # the other filters keep the comparison, and the CSV is the numbers shown
    page.get_by_label("Source").select_option("side-x")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"source=side-x"))
    expect(cards).to_have_count(2)
    href = page.locator("#stats-csv").get_attribute("href") or ""
    assert href.startswith("/api/v1/stats.csv?source=side-x")
    first = live.api.get(href).text.splitlines()[1].split(",")
    assert first[0] == "all" and int(first[3]) == _shown(page)["faces"] == 2
    page.get_by_role("link", name="Clear").click()
    expect(cards).to_have_count(0)
    response = page.goto(f"{live.url}/?" + "&".join(f"compare=s{i}" for i in range(7)))
    assert response is not None and response.status == 400
