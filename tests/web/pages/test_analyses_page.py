"""The list of analyses in a real browser: pages of 25, filters by source, kind, status and
days, people counted as the statistics count them; deleting asks first, then removes the
analysis from the list, the API and the statistics. Deleting needs the write token (or a
signed-in session) and a form from our own pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from emokognition.store import (
    Database,
    JobError,
    claim_analysis,
    create_analysis,
    fail_analysis,
    report_progress,
    utcnow,
)
from emokognition.web import create_app
from tests.conftest import SettingsFactory
from tests.store.factories import face, image_result, recorded, video_result
from tests.web.pages.conftest import LiveServer, fits_phone, screenshot

TOKEN = "s3cret-token"
JPEG = "image/jpeg"
SAME_SITE = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def _fill(live: LiveServer) -> dict[str, str]:
    """27 photos of cam-a (newest first over the last hour); two videos of cam-b three days
    ago (one person in 3 frames, two people in 2); a running video and a failed photo of
    cam-b now. Returns the ids of the videos and of the newest photo."""
    now = utcnow()
    database = Database(live.settings.database_url)
    try:
        ids = {}
        for i in range(27):
            photo = image_result([face("happy", "sad")] * (1 + i % 3))
            ids["photo"] = recorded(
                database, photo, source="cam-a", now=now - timedelta(minutes=60 - i)
            ).id
        one = video_result([[face("sad", "angry", track=1)]] * 3)
        ago = now - timedelta(days=3)
        ids["one"] = recorded(database, one, source="cam-b", now=ago).id
        two = video_result([[face("happy", "sad", track=1), face("angry", "sad", track=2)]] * 2)
        ids["two"] = recorded(database, two, source="cam-b", now=ago + timedelta(minutes=1)).id
        with database.session() as session:
            running = create_analysis(session=session, source="cam-b", kind="video")
            claimed = claim_analysis(
                session=session, analysis_id=running.id, lease=3600, max_attempts=3
            )
            assert claimed is not None
            report_progress(session=session, analysis_id=running.id, attempt=1, done=45, total=180)
            failed = create_analysis(session=session, source="cam-b", kind="image")
            claim_analysis(session=session, analysis_id=failed.id, lease=3600, max_attempts=3)
            fail_analysis(
                session=session,
                analysis_id=failed.id,
                attempt=1,
                error=JobError(code="corrupt_media", message="not a picture"),
            )
        ids["running"] = running.id
        return ids
    finally:
        database.dispose()


def _upload(client: TestClient, photo: bytes) -> dict[str, Any]:
    created: dict[str, Any] = client.post(
        "/api/v1/analyses?mode=sync",
        files={"file": ("p.jpg", photo, JPEG)},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    return created


def test_paging_and_filters(empty_live: LiveServer, page: Page) -> None:
    live = empty_live
    ids = _fill(live)
    page.goto(f"{live.url}/analyses")
    rows = page.locator("#analyses tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator("#count")).to_contain_text("1\N{EN DASH}25 of 31 analyses")
    # newest first: the failed and the running one, then the newest photo
    expect(rows.nth(0)).to_contain_text("failed")
    expect(rows.nth(1)).to_contain_text("running")
    expect(rows.nth(1)).to_contain_text("25 %")  # 45 of 180 frames
    expect(rows.nth(2)).to_have_attribute("data-id", ids["photo"])
    expect(rows.nth(2).locator(".people")).to_have_text("3")  # the 27th photo had 3 faces
    screenshot(page, "analyses")
    fits_phone(page)
    page.get_by_role("link", name="Older →").click()
    expect(rows).to_have_count(6)
    expect(page.locator("#count")).to_contain_text("26\N{EN DASH}31 of 31")
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)
    page.get_by_role("link", name="← Newer").click()
    expect(rows).to_have_count(25)

    page.get_by_label("Kind").select_option("video")
    page.get_by_label("Source").select_option("cam-b")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=video"))
    expect(rows).to_have_count(3)
    people = page.locator(f"tr[data-id='{ids['two']}'] .people")
    expect(people).to_have_text("2 in 4 face-frames")  # people, as the statistics count them
    page.get_by_label("Status").select_option("done")
    day = (utcnow() - timedelta(days=3)).date().isoformat()
    page.get_by_label("From (UTC day)").fill(day)
    page.get_by_label("To (UTC day, included)").fill(day)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"status=done"))
    expect(rows).to_have_count(2)
    expect(page.locator("#count")).to_contain_text("1\N{EN DASH}2 of 2")
    page.get_by_label("Source").select_option("cam-a")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#count")).to_contain_text("No analysis matches")
    response = page.goto(f"{live.url}/analyses?kind=gif")
    assert response is not None and response.status == 400
    expect(page.locator(".error")).to_contain_text("unknown kind 'gif'")


def test_delete_asks_then_removes_it_everywhere(empty_live: LiveServer, page: Page) -> None:
    live = empty_live
    ids = _fill(live)
    before = live.api.get("/api/v1/stats").json()["faces"]
    page.goto(f"{live.url}/analyses?source=cam-b&kind=video")
    row = page.locator(f"tr[data-id='{ids['two']}']")
    row.get_by_role("link", name="Delete…").click()
    page.wait_for_url(re.compile(rf"/analyses/{ids['two']}/delete"))
    expect(page.get_by_role("heading", name="Delete this analysis?")).to_be_visible()
    screenshot(page, "analysis-delete")
    page.get_by_role("link", name="Keep it").click()  # changing one's mind keeps it
    page.wait_for_url(re.compile(r"/analyses\?source=cam-b&kind=video$"))
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/analyses\?source=cam-b&kind=video&deleted="))
    expect(page.locator("#deleted")).to_contain_text(ids["two"][:8])
    expect(row).to_have_count(0)
    expect(page.locator("#analyses tbody tr")).to_have_count(2)
    assert live.api.get(f"/api/v1/analyses/{ids['two']}").status_code == 404
    assert live.api.get("/api/v1/stats").json()["faces"] == before - 2
    # From its own page: back to the list, its page is gone.
    page.goto(f"{live.url}/analyses/{ids['one']}")
    page.locator("#delete").click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/analyses\?deleted="))
    response = page.goto(f"{live.url}/analyses/{ids['one']}")
    assert response is not None and response.status == 404


def test_delete_needs_the_write_token_and_our_own_form(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(api_tokens=(TOKEN,), public_reads=True)
    with TestClient(create_app(settings)) as client:
        created = _upload(client, photo)
        path = f"/analyses/{created['id']}/delete"
        listing = client.get("/analyses")
        assert listing.status_code == 200 and path not in listing.text  # no delete links
        assert 'id="sign-in-to-delete"' in listing.text
        confirm = client.get(path)
        assert confirm.status_code == 200 and 'name="token"' in confirm.text
        cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        forged = client.post(path, data={"token": TOKEN}, headers=cross_site)
        assert forged.status_code == 403
        for data, message in (({}, "a valid API token is needed"), ({"token": "no"}, "not valid")):
            refused = client.post(path, data=data, headers=SAME_SITE)
            assert refused.status_code == 401 and message in refused.text
            assert "no" not in re.findall(r'value="([^"]*)"', refused.text)  # not echoed
        assert client.get(f"/api/v1/analyses/{created['id']}").status_code == 200
        deleted = client.post(
            path,
            data={"token": TOKEN, "next": "//evil.example/"},
            headers=SAME_SITE,
            follow_redirects=False,
        )
        assert deleted.status_code == 303
        assert deleted.headers["location"] == f"/?deleted={created['id'][:8]}"
        assert client.get(f"/api/v1/analyses/{created['id']}").status_code == 404


def test_a_signed_in_browser_deletes_without_typing_the_token(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens=(TOKEN,)))) as client:
        created = _upload(client, photo)
        path = f"/analyses/{created['id']}/delete"
        # reads are private: the list and the question need a signed-in browser
        assert client.get("/analyses", follow_redirects=False).status_code == 303
        assert client.post(path, headers=SAME_SITE, follow_redirects=False).status_code == 303
        signed = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert signed.status_code == 303
        assert path in client.get("/analyses").text
        assert 'name="token"' not in client.get(path).text
        deleted = client.post(path, headers=SAME_SITE, follow_redirects=False)
        assert deleted.status_code == 303
        assert deleted.headers["location"].startswith("/analyses?deleted=")
        assert (
            client.get("/api/v1/analyses", headers={"Authorization": f"Bearer {TOKEN}"}).json()[
                "total"
            ]
            == 0
        )
