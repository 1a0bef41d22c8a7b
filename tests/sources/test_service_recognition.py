"""With API_URL, the bot analyses through the service (the real app, served by uvicorn)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from emokognition.config import Settings
from emokognition.errors import SourceAuthError
from emokognition.web import create_app
from tests.conftest import free_port
from tests.sources.conftest import BotSettings, recorded, run_once
from tests.sources.fakes import FakeApis

TOKEN = "service-token-for-tests"


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_api_url_sends_pictures_to_the_service(fake: FakeApis, bot_settings: BotSettings) -> None:
    fake.add_tweet(701, "ann", [("s1", "photo", "face.jpg"), ("s2", "photo", "group.jpg")])
    service_settings = bot_settings(api_tokens=TOKEN)

    with serving(service_settings) as url:
        run_once(bot_settings(api_url=url, api_token=TOKEN))
        # With tokens, reads are private too.
        reader = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})
        with reader:
            stats = reader.get("/api/v1/stats", params={"source": "twitter"}).json()
            listed = reader.get("/api/v1/analyses", params={"source": "twitter"}).json()
            posts_listed = reader.get("/api/v1/posts", params={"source": "twitter"}).json()

        with pytest.raises(SourceAuthError, match=r"service refused the credentials \(HTTP 401"):
            fake.add_tweet(702, "bob", [("s3", "photo", "face.jpg")])
            run_once(bot_settings(api_url=url))

    posts = recorded(service_settings, "twitter", "701")
    assert len(posts) == 2
    assert {item["id"] for item in listed["items"]} == {p.analysis_id for p in posts}
    assert stats["faces"] >= 6
    # The post of each analysis, and the reply, are listed by the API.
    assert {(i["post_id"], i["media_key"], i["analysis_id"]) for i in posts_listed["items"]} == {
        (p.post_id, p.media_key, p.analysis_id) for p in posts
    }
    assert all(i["reply_id"] and i["landmark"] is None for i in posts_listed["items"])
    text = fake.replies()[0]["text"]
    assert text.startswith(f"Hey @ann! I see {stats['faces']} faces. Main emotion: ")
    assert recorded(service_settings, "twitter", "702") == ()
