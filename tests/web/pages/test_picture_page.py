"""A crowd's analysis page in a real browser: the photo's mood summary above its faces, and
labels that cover no other face, no other label and stay on the picture, their text inside
them; small faces show their number only."""

from __future__ import annotations

import itertools
from typing import Any

import cv2
import pytest
from playwright.sync_api import Page, expect

from emokognition.config import Settings
from emokognition.evaluation.crowd import pack
from emokognition.evaluation.detection import load_labelled
from tests.shared import PHOTOS
from tests.web.pages.conftest import LiveServer, screenshot

Box = dict[str, float]


@pytest.fixture(scope="module")
def crowd_analysis(live: LiveServer) -> dict[str, Any]:
    """The shared photos packed into a 1600x1000 crowd of 28 px faces and more, analysed."""
    photos = load_labelled(PHOTOS, Settings())
    background = next(p for p in photos if not len(p.boxes))
    crowd = pack(
        [p for p in photos if len(p.boxes)], background, smallest_face=28, size=(1600, 1000)
    )
    ok, jpeg = cv2.imencode(".jpg", crowd.pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    response = live.api.post(
        "/api/v1/analyses",
        params={"mode": "sync"},
        files={"file": ("crowd.jpg", jpeg.tobytes(), "image/jpeg")},
        data={"source": "crowd-test"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "done" and len(body["result"]["faces"]) >= 0.9 * len(crowd.boxes)
    return body


def _overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share area, a pixel of rounding allowed."""
    return (
        a["x"] + 1 < b["x"] + b["width"]
        and b["x"] + 1 < a["x"] + a["width"]
        and a["y"] + 1 < b["y"] + b["height"]
        and b["y"] + 1 < a["y"] + a["height"]
    )


def test_a_crowds_labels_cover_no_face_and_stay_on_the_picture(
    live: LiveServer, page: Page, crowd_analysis: dict[str, Any]
) -> None:
    faces = crowd_analysis["result"]["faces"]
    page.goto(f"{live.url}/analyses/{crowd_analysis['id']}")
    expect(page.locator("svg.boxes a.face-box")).to_have_count(len(faces))
    page.wait_for_function("document.getElementById('picture').complete")
    picture = page.locator("#picture").bounding_box()
    assert picture is not None
    boxes = page.locator("svg.boxes rect.box").evaluate_all(
        "all => all.map(r => { const b = r.getBBox(); return {x: b.x, y: b.y, width: b.width,"
        " height: b.height}; })"
    )
    labels = page.locator("svg.boxes rect.label-bg").evaluate_all(
        "all => all.map(r => { const b = r.getBBox(); return {x: b.x, y: b.y, width: b.width,"
        " height: b.height}; })"
    )
    texts = page.locator("svg.boxes text.label").evaluate_all(
        "all => all.map(t => { const b = t.getBBox(); return {x: b.x, y: b.y, width: b.width,"
        " height: b.height, text: t.textContent}; })"
    )
    width, height = (crowd_analysis["result"]["media"][k] for k in ("width", "height"))
    for number, (label, text) in enumerate(zip(labels, texts, strict=True), start=1):
        assert label["x"] >= 0 and label["y"] >= 0, (number, label)
        assert label["x"] + label["width"] <= width and label["y"] + label["height"] <= height
        others = [box for i, box in enumerate(boxes, start=1) if i != number]
        assert not any(_overlap(label, box) for box in others), (number, label)
        # the page's text, as the browser draws it, fits the rectangle placed for it
        assert text["width"] <= label["width"] + 1, (number, text, label)
        assert text["text"].split()[0] == str(number)
    assert not any(_overlap(a, b) for a, b in itertools.combinations(labels, 2))
    small = [t for t, f in zip(texts, faces, strict=True) if f["box"][2] < 60]
    assert small and all(t["text"].isdigit() for t in small)  # small faces: the number only
    screenshot(page, "analysis-crowd")


def test_the_photos_summary_counts_faces_by_main_emotion(
    live: LiveServer, page: Page, crowd_analysis: dict[str, Any]
) -> None:
    result = crowd_analysis["result"]
    page.goto(f"{live.url}/analyses/{crowd_analysis['id']}")
    summary = page.locator("#picture-summary")
    expect(summary.get_by_role("heading")).to_have_text(
        f"{len(result['faces'])} faces by main emotion"
    )
    rows = summary.locator("li")
    shown = rows.evaluate_all(
        "all => all.map(li => [li.dataset.emotion, +li.querySelector('.count').textContent])"
    )
    counts = {emotion: n for emotion, n in result["summary"]["main"].items() if n}
    assert dict(shown) == counts
    assert [n for _, n in shown] == sorted(counts.values(), reverse=True)
    # above the picture and the list of faces
    top = summary.bounding_box()
    picture = page.locator("#picture").bounding_box()
    assert top is not None and picture is not None and top["y"] < picture["y"]
