"""The upload form in a real browser: a photo in, its analysis page out; a URL queued and
watched live; bad input answered on the form, escaped."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import GROUP_PHOTO, MediaServer, wait_until
from tests.web.pages.conftest import LiveServer, screenshot

HOSTILE = "<img src=x onerror=alert(1)>"


def _analysis(live: LiveServer, page: Page) -> dict[str, Any]:
    analysis_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    body: dict[str, Any] = live.api.get(f"/api/v1/analyses/{analysis_id}").json()
    return body


def test_upload_a_photo_then_see_every_face(live: LiveServer, page: Page) -> None:
    page.goto(f"{live.url}/upload")
    screenshot(page, "upload")
    page.get_by_label("A photo or video file").set_input_files(GROUP_PHOTO)
    page.get_by_label("Source").fill("browser")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_url(re.compile(r"/analyses/[0-9a-f]{32}$"))
    body = _analysis(live, page)
    faces = body["result"]["faces"]
    assert body["status"] == "done" and body["source"] == "browser" and len(faces) >= 5
    boxes = page.locator("svg.boxes a.face-box")
    expect(boxes).to_have_count(len(faces))
    assert boxes.evaluate_all("all => all.map(a => a.dataset.main)") == [f["main"] for f in faces]
    expect(page.locator("ol.faces > li")).to_have_count(len(faces))
    expect(page.locator("#face-1 .main-emotion")).to_have_text(faces[0]["main"])
    expect(page.locator("#face-1 tr")).to_have_count(7)
    image = page.locator("#picture")
    expect(image).to_have_attribute("alt", re.compile(f"{len(faces)} faces boxed"))
    assert (
        image.evaluate("img => img.complete && img.naturalWidth")
        == body["result"]["media"]["width"]
    )
    screenshot(page, "analysis-photo")
    # The boxes sit on the faces at any width: the overlay scales with the picture.
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        shown = image.bounding_box()
        first = page.locator("svg.boxes rect.box").first.bounding_box()
        assert shown is not None and first is not None
        scale = shown["width"] / body["result"]["media"]["width"]
        x, y, w, h = faces[0]["box"]
        # Compared by centre and size; the stroke adds its width around the box.
        assert abs(first["x"] + first["width"] / 2 - (shown["x"] + (x + w / 2) * scale)) < 2
        assert abs(first["y"] + first["height"] / 2 - (shown["y"] + (y + h / 2) * scale)) < 2
        assert abs(first["width"] - w * scale) < 5
    # A box is a link to its face's probabilities, from the keyboard too.
    boxes.first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#face-1$"))
    # On the dashboard it is listed with a small preview, not the whole photo.
    page.goto(f"{live.url}/")
    preview = page.locator(f"a[href='/analyses/{body['id']}'] img")
    expect(preview).to_have_attribute("alt", "Preview of the image from browser")
    preview.scroll_into_view_if_needed()  # it loads lazily, and may be below the fold
    # polled from here: the page's CSP forbids the eval that wait_for_function polls with
    loaded = "img => img.complete && img.naturalWidth > 0"
    wait_until(lambda: bool(preview.evaluate(loaded)), timeout=30, what="the preview")
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]


def test_queued_url_turns_done_without_reload(
    live: LiveServer, page: Page, media_files: MediaServer
) -> None:
    media_files.hold()
    page.goto(f"{live.url}/upload")
    page.get_by_label("A link to one").fill(media_files.url("/stall/live.jpg"))
    page.get_by_label("Queue it and show its progress").check()
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_url(re.compile(r"/analyses/[0-9a-f]{32}$"))
    expect(page.locator("#live")).to_contain_text(re.compile("queued|running"))
    screenshot(page, "analysis-live")
    page.evaluate("window.stillThisPage = true")
    media_files.release()
    expect(page.locator("#analysis")).to_have_attribute("data-status", "done", timeout=30_000)
    assert page.evaluate("window.stillThisPage") is True
    body = _analysis(live, page)
    expect(page.locator("svg.boxes a.face-box")).to_have_count(len(body["result"]["faces"]))
    expect(page.locator("#announce")).to_have_text("The analysis is done.")


def test_bad_input_is_answered_on_the_form_and_escaped(live: LiveServer, page: Page) -> None:
    page.goto(f"{live.url}/upload")
    page.get_by_label("A photo or video file").set_input_files(
        {"name": f"{HOSTILE}.txt", "mimeType": "text/plain", "buffer": b"not a picture"}
    )
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#errors")).to_contain_text(f"{HOSTILE}.txt: not a supported image")
    expect(page.locator("#chosen")).to_have_text(f"{HOSTILE}.txt")
    page.get_by_label("A photo or video file").set_input_files(GROUP_PHOTO)
    page.get_by_label("Source").fill(HOSTILE)
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#errors")).to_contain_text("source must be 1-64 letters")
    expect(page.get_by_label("Source")).to_have_value(HOSTILE)
    expect(page.locator("img[src='x']")).to_have_count(0)
    screenshot(page, "upload-error")
    # Nothing chosen at all: said so, not a crash.
    page.goto(f"{live.url}/upload")
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#errors")).to_have_text("choose a file or give a URL")
