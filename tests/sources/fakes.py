"""Fake Twitter/X API v2, Mastodon, Google Vision and a token endpoint, on 127.0.0.1.

One threaded HTTP server plays all of them (and serves the media, as the configured API host).
Tests script it: mentions, statuses to answer first (`fail`), requests to hold until
`release()`; it records what it received, so tests assert on replies.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import LocalServer

BEARER = "test-bearer-token"
USER_TOKEN = "test-user-token"
MASTODON_TOKEN = "test-mastodon-token"
GOOGLE_KEY = "test-google-key"
GOOGLE_ACCESS_TOKEN = "test-google-access-token"
BOT_USER_ID = "4242"
BOT_USERNAME = "moodbot"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message  # case-insensitive, like HTTP
    body: Any


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"title": "scripted failure"}'


class FakeApis(LocalServer):
    """The fake server. Routes are keyed: "mentions", "tweet", "user", "notifications",
    "status", "verify", "annotate", "token", "media"."""

    methods = ("GET", "POST")
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs

    def __init__(self) -> None:
        super().__init__()
        self.tweets: list[dict[str, Any]] = []  # API v2 post objects
        self.media: dict[str, dict[str, Any]] = {}  # media_key -> media object
        self.users: dict[str, str] = {}  # author id -> username
        self.page_size = 100
        self.drop_includes = False
        self.media_delay = 0.0  # seconds each media download takes (a slow media host)
        self.ignore_since = False
        self.notifications: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.landmark: str | None = "Eiffel Tower"
        self.image_error: str | None = None  # Vision's error for one picture
        self.fail: dict[str, list[Failure]] = defaultdict(list)
        self.held: set[str] = set()
        self.received: list[Received] = []
        self.hits: Counter[str] = Counter()
        self.waiting: Counter[str] = Counter()
        self._next_id = 9_000_000
        self.url = f"http://127.0.0.1:{self.port}"

    # --- scripting ---------------------------------------------------------------------------

    def add_tweet(
        self,
        post_id: int,
        author: str,
        media: list[tuple[str, str, str | None]] | None = None,
        *,
        edit_of: int | None = None,
        conversation: int | None = None,
    ) -> None:
        """A mention by `author` with media (key, type, file name or None for no URL); with
        `edit_of`, a new version of that post (API v2 names every version's id); with
        `conversation`, a reply in that conversation (else it starts its own)."""
        author_id = f"u{len(self.users) + 1}"
        for known_id, known in self.users.items():
            if known == author:
                author_id = known_id
        self.users[author_id] = author
        post: dict[str, Any] = {"id": str(post_id), "text": "@moodbot look", "author_id": author_id}
        # Every version carries the ids of all of them, oldest first.
        history = [str(post_id)]
        if edit_of is not None:
            versions = [t for t in self.tweets if t["edit_history_tweet_ids"][0] == str(edit_of)]
            history = [*versions[0]["edit_history_tweet_ids"], str(post_id)]
            for version in versions:
                version["edit_history_tweet_ids"] = history
        post["edit_history_tweet_ids"] = history
        post["conversation_id"] = str(conversation or edit_of or post_id)
        if media:
            post["attachments"] = {"media_keys": [m[0] for m in media]}
        for media_key, kind, name in media or []:
            item: dict[str, Any] = {"media_key": media_key, "type": kind}
            if name is not None:
                item["url" if kind == "photo" else "preview_image_url"] = f"{self.url}/media/{name}"
            self.media[media_key] = item
        self.tweets.append(post)

    def add_notification(
        self,
        notification_id: int,
        status_id: int,
        author: str,
        attachments: list[dict[str, Any]],
        visibility: str = "unlisted",
    ) -> None:
        self.notifications.append(
            {
                "id": str(notification_id),
                "type": "mention",
                "account": {"acct": author},
                "status": {
                    "id": str(status_id),
                    "visibility": visibility,
                    "account": {"id": "7", "acct": author},
                    "media_attachments": attachments,
                },
            }
        )

    def image(self, attachment_id: str, name: str) -> dict[str, Any]:
        return {"id": attachment_id, "type": "image", "url": f"{self.url}/media/{name}"}

    def hold(self, route: str) -> None:
        """Hold requests to a route ("tweet") or a path ("/media/group.jpg") until release()."""
        self.held.add(route)
        self._release.clear()

    def release(self) -> None:
        self.held.clear()
        self._release.set()

    def replies(self) -> list[Any]:
        return [
            r.body
            for r in self.received
            if r.method == "POST" and r.path in ("/2/tweets", "/api/v1/statuses")
        ]

    def requests_to(self, route: str) -> list[Received]:
        return [r for r in self.received if _route(r.method, r.path) == route]

    # --- serving -----------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            parts = urlsplit(request.path)
            length = int(request.headers.get("Content-Length") or 0)
            raw = request.rfile.read(length) if length else b""
            body: Any = raw
            with contextlib.suppress(ValueError):
                body = json.loads(raw) if raw else None
            route = _route(method, parts.path)
            received = Received(method, parts.path, parse_qs(parts.query), request.headers, body)
            with self._lock:
                self.received.append(received)
                self.hits[route] += 1
                failure = self.fail[route].pop(0) if self.fail[route] else None
            if failure is not None:
                _send(request, failure.status, failure.body, failure.headers)
                return
            held = route if route in self.held else parts.path if parts.path in self.held else None
            if held is not None:
                with self._lock:
                    self.waiting[held] += 1
                while not self._release.wait(0.05):
                    if self._closing.is_set():
                        return
            status, payload, headers = self._answer(route, received)
            _send(request, status, payload, headers)

    def _answer(self, route: str, r: Received) -> tuple[int, bytes, dict[str, str]]:
        auth = r.headers.get("Authorization", "")
        if route in ("user", "mentions") and auth != f"Bearer {BEARER}":
            return _json(401, {"title": "Unauthorized"})
        if route == "tweet" and not (
            auth == f"Bearer {USER_TOKEN}"
            or (auth.startswith("OAuth ") and 'oauth_signature="' in auth)
        ):
            return _json(403, {"title": "Forbidden"})
        if route in ("verify", "notifications", "status") and auth != f"Bearer {MASTODON_TOKEN}":
            return _json(401, {"error": "The access token is invalid"})
        if route == "user":
            return _json(200, {"data": {"id": BOT_USER_ID, "username": r.path.rsplit("/", 1)[-1]}})
        if route == "mentions":
            return self._mentions(r)
        if route in ("tweet", "status"):
            with self._lock:
                self._next_id += 1
                reply_id = str(self._next_id)
            return _json(200, {"data": {"id": reply_id}} if route == "tweet" else {"id": reply_id})
        if route == "verify":
            return _json(200, {"id": "1", "acct": BOT_USERNAME})
        if route == "notifications":
            return self._notifications(r)
        if route == "annotate":
            return self._annotate(r)
        if route == "token":
            return _json(
                200,
                {"access_token": GOOGLE_ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"},
            )
        if route == "media":
            time.sleep(self.media_delay)
            data = self.files.get(r.path.removeprefix("/media/"))
            if data is None:
                return 404, b"not found", {}
            return 200, data, {"Content-Type": "application/octet-stream"}
        return _json(404, {"error": f"no route {r.path}"})

    def _mentions(self, r: Received) -> tuple[int, bytes, dict[str, str]]:
        since = int(r.query.get("since_id", ["0"])[0])
        start = int(r.query.get("pagination_token", ["0"])[0])
        newest_first = sorted(self.tweets, key=lambda t: -int(t["id"]))
        matching = [t for t in newest_first if self.ignore_since or int(t["id"]) > since]
        page = matching[start : start + self.page_size]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = page
            keys = [k for t in page for k in t.get("attachments", {}).get("media_keys", [])]
            authors = {t["author_id"] for t in page}
            if not self.drop_includes:
                body["includes"] = {
                    "media": [self.media[k] for k in keys if k in self.media],
                    "users": [{"id": a, "username": self.users[a]} for a in sorted(authors)],
                }
        if start + self.page_size < len(matching):
            body["meta"]["next_token"] = str(start + self.page_size)
        return _json(200, body)

    def _notifications(self, r: Received) -> tuple[int, bytes, dict[str, str]]:
        since = int(r.query.get("since_id", ["0"])[0])
        max_id = int(r.query.get("max_id", [str(10**18)])[0])
        limit = min(int(r.query.get("limit", ["20"])[0]), self.page_size)
        newest_first = sorted(self.notifications, key=lambda n: -int(n["id"]))
        matching = [n for n in newest_first if since < int(n["id"]) < max_id]
        page = matching[:limit]
        headers = {}
        if page and len(matching) > limit:
            # Like Mastodon: the next (older) page by max_id, without since_id.
            older = f"{self.url}/api/v1/notifications?max_id={page[-1]['id']}&limit={limit}"
            headers["Link"] = f'<{older}>; rel="next"'
        status, payload, _ = _json(200, page)
        return status, payload, headers

    def _annotate(self, r: Received) -> tuple[int, bytes, dict[str, str]]:
        auth = r.headers.get("Authorization", "")
        key = r.headers.get("X-Goog-Api-Key", "")
        if key != GOOGLE_KEY and auth != f"Bearer {GOOGLE_ACCESS_TOKEN}":
            return _json(403, {"error": {"code": 403, "message": "API key not valid"}})
        answer: dict[str, Any] = {}
        if self.image_error:
            answer["error"] = {"code": 3, "message": self.image_error}
        elif self.landmark:
            answer["landmarkAnnotations"] = [
                {"mid": "/m/02j81", "description": self.landmark, "score": 0.93}
            ]
        return _json(200, {"responses": [answer]})


def _route(method: str, path: str) -> str:
    if path.startswith("/2/users/by/username/"):
        return "user"
    if path.startswith("/2/users/") and path.endswith("/mentions"):
        return "mentions"
    routes = {
        ("POST", "/2/tweets"): "tweet",
        ("GET", "/api/v1/notifications"): "notifications",
        ("POST", "/api/v1/statuses"): "status",
        ("GET", "/api/v1/accounts/verify_credentials"): "verify",
        ("POST", "/v1/images:annotate"): "annotate",
        ("POST", "/token"): "token",
    }
    if path.startswith("/media/"):
        return "media"
    return routes.get((method, path), "unknown")


def _json(status: int, body: Any) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps(body).encode(), {"Content-Type": "application/json"}


def _send(
    request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
) -> None:
    request.send_response(status)
    for name, value in headers.items():
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
