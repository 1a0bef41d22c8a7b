"""With API_URL, the bot analyses through the service (the real app, served by uvicorn)."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from emokognition.errors import SourceAPIError, SourceAuthError
from tests.conftest import free_port
from tests.servers import LocalServer, serving
from tests.sources.conftest import BotSettings, cursor, recorded, run_once
from tests.sources.fakes import BOT_USER_ID, FakeApis

TOKEN = "service-token-for-tests"


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


class DroppingProxy(LocalServer):
    """Forwards requests to the service; the answer to the first picture sent is lost on the
    way back (the service took it, the bot never hears)."""

    methods = ("GET", "POST")

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream
        self.url = f"http://127.0.0.1:{self.port}"
        self.dropped = 0

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        answer = httpx.request(
            method, self.upstream + request.path, headers=headers, content=body, timeout=60
        )
        with self._lock:
            drop = method == "POST" and request.path.startswith("/api/v1/analyses")
            drop = drop and self.dropped == 0
            self.dropped += drop
        if drop:
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)  # no status line, nothing
            return
        request.send_response(answer.status_code)
        for name in ("Content-Type", "Location"):
            if name in answer.headers:
                request.send_header(name, answer.headers[name])
        request.send_header("Content-Length", str(len(answer.content)))
        request.end_headers()
        request.wfile.write(answer.content)


def test_a_lost_answer_sent_again_counts_the_picture_once(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(801, "ann", [("g1", "photo", "group.jpg")])
    service_settings = bot_settings()

    with serving(service_settings) as url, DroppingProxy(url) as proxy:
        for poll in range(3):  # a poll that gave up is followed by the next one
            try:
                run_once(bot_settings(api_url=proxy.url))
                break
            except SourceAPIError:
                assert poll < 2, "the bot never got through"
        assert proxy.dropped == 1
        with httpx.Client(base_url=url) as reader:
            listed = reader.get("/api/v1/analyses").json()
            stats = reader.get("/api/v1/stats", params={"source": "twitter"}).json()

    (post,) = recorded(service_settings, "twitter", "801")
    assert [item["id"] for item in listed["items"]] == [post.analysis_id]
    (analysis,) = listed["items"]
    assert analysis["faces"] >= 5 and stats["faces"] == analysis["faces"]
    assert len(fake.replies()) == 1
    assert fake.replies()[0]["text"].startswith(f"Hey @ann! I see {analysis['faces']} faces.")


def test_a_service_that_is_down_leaves_the_mention_for_the_next_poll(
    fake: FakeApis, bot_settings: BotSettings
) -> None:
    fake.add_tweet(811, "cy", [("d1", "photo", "face.jpg")])
    service_settings = bot_settings()
    down = f"http://127.0.0.1:{free_port()}"  # nobody listens
    with pytest.raises(SourceAPIError, match="cannot connect"):
        run_once(bot_settings(api_url=down))
    assert cursor(service_settings, "twitter", BOT_USER_ID) is None  # not moved past it
    assert recorded(service_settings, "twitter", "811") == () and fake.replies() == []
    with serving(service_settings) as url:
        run_once(bot_settings(api_url=url))
    (post,) = recorded(service_settings, "twitter", "811")
    assert post.analysis_id and len(fake.replies()) == 1
    assert cursor(service_settings, "twitter", BOT_USER_ID) == "811"
