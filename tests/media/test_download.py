"""URL downloads against a real HTTP server on 127.0.0.1, and the address checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from emokognition.config import Settings
from emokognition.errors import (
    DownloadError,
    ForbiddenURL,
    MediaTooLarge,
    UnsupportedFormat,
)
from emokognition.media.download import check_url, download, is_public_address
from emokognition.media.load import load_image
from tests.shared import PHOTOS

PHOTO = (PHOTOS / "justin_portrait.jpg").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/photo.jpg": (200, PHOTO),
            "/page.html": (200, b"<html>not a picture</html>"),
            "/missing": (404, b"nope"),
        }
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/photo.jpg")
            self.end_headers()
            return
        if self.path == "/endless-redirect":
            self.send_response(302)
            self.send_header("Location", "/endless-redirect")
            self.end_headers()
            return
        if self.path == "/unsized":  # no Content-Length: the limit must hold while streaming
            self.send_response(200)
            self.end_headers()
            self.wfile.write(PHOTO * 4)
            self.close_connection = True
            return
        status, body = routes.get(self.path, (200, PHOTO))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early (time-outs, size limits) are the point of the tests


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _get(url: str, *, max_bytes: int = 10_000_000, timeout: float = 5.0) -> bytes:
    return download(url, max_bytes=max_bytes, timeout=timeout, allow_private=True)


def test_downloads_a_photo(server: str) -> None:
    assert _get(f"{server}/photo.jpg") == PHOTO


def test_follows_redirects(server: str) -> None:
    assert _get(f"{server}/redirect") == PHOTO


def test_loopback_is_refused_by_default(server: str) -> None:
    with pytest.raises(ForbiddenURL, match="EMOKOGNITION_ALLOW_PRIVATE_URLS"):
        download(f"{server}/photo.jpg", max_bytes=10_000_000, timeout=5)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/missing", DownloadError),
        ("/endless-redirect", DownloadError),
        ("/slow", DownloadError),
    ],
)
def test_failures(server: str, url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        _get(f"{server}{url}", timeout=0.5)


def test_declared_size_over_the_limit(server: str) -> None:
    with pytest.raises(MediaTooLarge, match="limit"):
        _get(f"{server}/photo.jpg", max_bytes=1000)


def test_streamed_size_over_the_limit(server: str) -> None:
    with pytest.raises(MediaTooLarge, match="exceeds"):
        _get(f"{server}/unsized", max_bytes=len(PHOTO) * 2)


def test_unreachable_port() -> None:
    with pytest.raises(DownloadError):
        _get("http://127.0.0.1:9/photo.jpg", timeout=1)


def test_not_an_image_through_the_loader(server: str) -> None:
    settings = Settings(allow_private_urls=True)
    with pytest.raises(UnsupportedFormat):
        load_image(f"{server}/page.html", settings)
    assert load_image(f"{server}/photo.jpg", settings).info.format == "jpeg"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a.jpg",
        "file:///etc/passwd",
        "http:///nohost",
        "http://127.0.0.1/a.jpg",
        "http://localhost/a.jpg",
        "http://10.1.2.3/a.jpg",
        "http://192.168.0.1/a.jpg",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.jpg",
        "http://[::ffff:127.0.0.1]/a.jpg",
        "http://0.0.0.0/a.jpg",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(ForbiddenURL):
        check_url(url)


def test_public_literal_passes() -> None:
    check_url("http://93.184.216.34/a.jpg")
    assert is_public_address("8.8.8.8")
    assert not is_public_address("100.64.0.1")  # carrier-grade NAT


def test_every_redirect_hop_is_checked() -> None:
    """A public host redirecting to a loopback one is refused at the second hop."""
    requested: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://127.0.0.1/secret"})

    with (
        httpx.Client(transport=httpx.MockTransport(respond)) as client,
        pytest.raises(ForbiddenURL),
    ):
        download("http://93.184.216.34/a.jpg", max_bytes=1000, timeout=1, client=client)
    assert requested == ["http://93.184.216.34/a.jpg"]
