"""Stored media lives exactly while an analysis uses it: a delete racing an upload of the same
bytes never takes the new upload's file, and an upload refused for a database that is down
leaves no file behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from emokognition.config import Settings
from emokognition.web import create_app
from tests.conftest import SettingsFactory, poll_done
from tests.servers import serving

RACES = 150
JPEG = "image/jpeg"


@pytest.fixture
def server(make_settings: SettingsFactory) -> Iterator[tuple[str, Settings]]:
    settings = make_settings(inline_workers=2, inline_queue=RACES * 2)
    with serving(settings) as base:
        yield base, settings


async def _race(client: httpx.AsyncClient, photo: bytes) -> list[str]:
    """Each round deletes the previous analysis while the same bytes are uploaded again;
    returns the rounds whose new analysis found its media missing."""
    lost: list[str] = []
    first = await client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
    previous = first.json()["id"]
    for round_ in range(RACES):
        deleted, uploaded = await asyncio.gather(
            client.delete(f"/api/v1/analyses/{previous}"),
            client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)}),
        )
        assert deleted.status_code == 204, deleted.text
        assert uploaded.status_code == 202, uploaded.text
        previous = uploaded.json()["id"]
        media = await client.get(f"/analyses/{previous}/media")
        if media.status_code != 200 or media.content != photo:
            lost.append(f"round {round_}: HTTP {media.status_code}")
    return lost


def test_deletes_racing_uploads_of_the_same_bytes_lose_no_media(
    server: tuple[str, Settings], group_photo: bytes
) -> None:
    base, settings = server

    async def run() -> list[str]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await _race(client, group_photo)

    lost = asyncio.run(run())
    assert lost == [], f"{len(lost)} of {RACES} uploads lost their media: {lost[:5]}"
    with httpx.Client(base_url=base, timeout=60) as client:
        listed = client.get("/api/v1/analyses").json()
        assert listed["total"] == 1
        (last,) = listed["items"]
        body = poll_done(client, last["id"], timeout=60)
    assert body["status"] == "done", body["error"]
    assert _stored(settings.media_dir) == 1  # the one file the last analysis uses


def _stored(media_dir: Path) -> int:
    """Media files stored (not previews, not half-written uploads)."""
    return sum(
        1
        for path in media_dir.rglob("*")
        if path.is_file() and "derived" not in path.parts and len(path.name) == 64
    )


def test_an_upload_refused_for_the_database_leaves_no_file(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    )
    client = TestClient(create_app(settings))  # no lifespan: it would migrate
    refused = client.post("/api/v1/analyses", files={"file": ("p.jpg", photo, JPEG)})
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "unavailable"
    leftovers = [p for p in settings.media_dir.rglob("*") if p.is_file()]
    assert leftovers == []
