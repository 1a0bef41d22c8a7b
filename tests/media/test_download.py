"""URL downloads against a real HTTP server on 127.0.0.1: redirects, limits, the deadline, and
the addresses dialled (through a resolver seam; nothing leaves this machine)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from emokognition.config import Settings
from emokognition.errors import (
    DownloadError,
    ForbiddenURL,
    MediaTooLarge,
    UnknownHost,
    UnsupportedFormat,
)
from emokognition.media.download import check_url, download
from emokognition.media.load import load_image
from emokognition.media.transport import CheckedTransport
from tests.media.network import LOOPBACK, PUBLIC, Guard, Rebinding, guard_network
from tests.servers import LocalServer
from tests.shared import PHOTOS

PHOTO = (PHOTOS / "justin_portrait.jpg").read_bytes()
TRICKLE = 1000  # bytes /trickle sends, one each 0.1 s


class Origin(LocalServer):
    """The media host: counts hits per path and keeps the Host header of each request."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []

    def url(self, path: str, host: str = LOOPBACK) -> str:
        return f"http://{host}:{self.port}{path}"

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = request.path
        with self._lock:
            self.hits[path] += 1
            self.hosts.append(request.headers.get("Host", ""))
        if path in ("/redirect", "/endless-redirect"):
            request.send_response(302)
            request.send_header("Location", "/photo.jpg" if path == "/redirect" else path)
            request.end_headers()
        elif path == "/unsized":  # no Content-Length: the limit must hold while streaming
            request.send_response(200)
            request.end_headers()
            request.wfile.write(PHOTO * 4)
        elif path in ("/trickle", "/stall-body"):
            request.send_response(200)
            request.send_header("Content-Length", str(TRICKLE))
            request.end_headers()
            request.wfile.flush()
            self._trickle(request, pause=0.1 if path == "/trickle" else 30.0)
        else:
            if path == "/slow":
                self._closing.wait(2)
            status, body = {"/page.html": (200, b"<html>not a picture</html>")}.get(
                path, (404, b"nope") if path == "/missing" else (200, PHOTO)
            )
            request.send_response(status)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)

    def _trickle(self, request: BaseHTTPRequestHandler, pause: float) -> None:
        for _ in range(TRICKLE):  # until the client hangs up or the server closes
            if self._closing.wait(pause):
                return
            request.wfile.write(b"x")
            request.wfile.flush()


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Guard:
    return guard_network(monkeypatch)


@pytest.fixture
def server(guard: Guard) -> Iterator[Origin]:
    with Origin() as origin:
        yield origin


def _get(url: str, *, max_bytes: int = 10_000_000, timeout: float = 5.0) -> bytes:
    return download(url, max_bytes=max_bytes, timeout=timeout, allow_private=True)


def test_downloads_a_photo(server: Origin) -> None:
    assert _get(server.url("/photo.jpg")) == PHOTO


def test_follows_redirects(server: Origin) -> None:
    assert _get(server.url("/redirect")) == PHOTO


def test_loopback_is_refused_by_default(server: Origin) -> None:
    with pytest.raises(ForbiddenURL, match="EMOKOGNITION_ALLOW_PRIVATE_URLS"):
        download(server.url("/photo.jpg"), max_bytes=10_000_000, timeout=5)
    assert server.hits.total() == 0


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/missing", DownloadError),
        ("/endless-redirect", DownloadError),
        ("/slow", DownloadError),
    ],
)
def test_failures(server: Origin, path: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        _get(server.url(path), timeout=0.5)


def test_declared_size_over_the_limit(server: Origin) -> None:
    with pytest.raises(MediaTooLarge, match="limit"):
        _get(server.url("/photo.jpg"), max_bytes=1000)


def test_streamed_size_over_the_limit(server: Origin) -> None:
    with pytest.raises(MediaTooLarge, match="exceeds"):
        _get(server.url("/unsized"), max_bytes=len(PHOTO) * 2)


def test_unreachable_port(guard: Guard) -> None:
    with pytest.raises(DownloadError):
        _get("http://127.0.0.1:9/photo.jpg", timeout=1)


def test_not_an_image_through_the_loader(server: Origin) -> None:
    settings = Settings(allow_private_urls=True)
    with pytest.raises(UnsupportedFormat):
        load_image(server.url("/page.html"), settings)
    assert load_image(server.url("/photo.jpg"), settings).info.format == "jpeg"


# --- the deadline: the whole download, however the server paces its bytes ---------------------


@pytest.mark.parametrize("path", ["/trickle", "/stall-body"])
def test_the_deadline_cuts_a_slow_body(server: Origin, path: str) -> None:
    """A byte each 0.1 s meets every per-read timeout; a stall shorter than the per-read
    timeout too: the deadline ends both, on time."""
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"longer than 1 s .*DOWNLOAD_DEADLINE") as caught:
        download(server.url(path), max_bytes=10_000, timeout=5, deadline=1, allow_private=True)
    assert 1 <= time.monotonic() - start < 2.5
    assert not caught.value.transient  # our own limit: the same URL would meet it again


def test_the_deadline_setting_reaches_the_loader(
    server: Origin, monkeypatch: pytest.MonkeyPatch, clean_environ: None
) -> None:
    assert Settings().download_deadline == 60.0
    monkeypatch.setenv("EMOKOGNITION_DOWNLOAD_DEADLINE", "0.5")
    settings = Settings(allow_private_urls=True)
    assert settings.download_deadline == 0.5
    with pytest.raises(DownloadError, match=r"longer than 0\.5 s"):
        load_image(server.url("/trickle"), settings)


# --- which addresses may be dialled ----------------------------------------------------------


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
        "http://[64:ff9b::7f00:1]/a.jpg",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 of 169.254.169.254
        "http://[2002:c0a8:1::1]/a.jpg",  # 6to4 of 192.168.0.1
        "http://[::7f00:1]/a.jpg",  # IPv4-compatible 127.0.0.1
        "http://[::ffff:0:7f00:1]/a.jpg",  # IPv4-translated 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/a.jpg",  # Teredo
    ],
)
def test_refused_urls(guard: Guard, url: str) -> None:
    with pytest.raises(ForbiddenURL):
        check_url(url)
    with pytest.raises(ForbiddenURL):
        download(url, max_bytes=1000, timeout=1)
    assert guard.refused == []


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("http://[::1", ForbiddenURL, "malformed URL 'http://\\[::1': Invalid IPv6 URL"),
        ("http://[::1/a.jpg", ForbiddenURL, "malformed URL"),
        ("http://example.org:99999/a.jpg", ForbiddenURL, "malformed URL .*out of range"),
        ("http://example.org:http/a.jpg", ForbiddenURL, "malformed URL"),
        ("http://nowhere.test/a.jpg", UnknownHost, "host 'nowhere.test' does not resolve"),
        (f"http://{'x' * 64}.org/a.jpg", ForbiddenURL, "invalid host name"),
    ],
)
def test_malformed_and_unknown_hosts(
    guard: Guard, url: str, error: type[Exception], message: str
) -> None:
    for allow_private in (False, True):
        with pytest.raises(error, match=message):
            check_url(url, allow_private=allow_private)
        with pytest.raises(error, match=message):
            download(url, max_bytes=1000, timeout=1, allow_private=allow_private)


def test_public_literal_passes() -> None:
    check_url(f"http://{PUBLIC}/a.jpg")


def test_a_name_that_rebinds_after_the_check_is_not_fetched(server: Origin, guard: Guard) -> None:
    """The check (at submit time) hears a public address, the fetch then 127.0.0.1: the fetch
    resolves for itself and refuses what it heard."""
    resolve = Rebinding([PUBLIC], [LOOPBACK])
    url = server.url("/photo.jpg", host="media.test")
    check_url(url, resolve=resolve)
    with pytest.raises(ForbiddenURL, match=r"'media\.test' resolves to a non-public address"):
        download(url, max_bytes=10_000_000, timeout=5, resolve=resolve)
    assert resolve.asked == ["media.test", "media.test"]
    assert server.hits.total() == 0 and guard.refused == [] and guard.lookups == []


def test_the_address_checked_is_the_address_dialled(server: Origin, guard: Guard) -> None:
    """A name resolved once per connection: what the check heard is what is dialled, and the
    127.0.0.1 it would answer next is never asked for."""
    resolve = Rebinding([PUBLIC], [LOOPBACK])
    with pytest.raises(DownloadError, match="download failed"):
        download(
            server.url("/photo.jpg", host="media.test"), max_bytes=1000, timeout=5, resolve=resolve
        )
    assert resolve.asked == ["media.test"]
    assert guard.refused == [(PUBLIC, server.port)]  # the guard stood in for the internet
    assert server.hits.total() == 0 and guard.lookups == []


def test_a_mixed_answer_is_refused(server: Origin, guard: Guard) -> None:
    resolve = Rebinding([PUBLIC, LOOPBACK])
    with pytest.raises(ForbiddenURL):
        download(
            server.url("/photo.jpg", host="media.test"), max_bytes=1000, timeout=5, resolve=resolve
        )
    assert server.hits.total() == 0 and guard.refused == []


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/photo.jpg",
        "http://media.test:{port}/photo.jpg",  # resolves to 127.0.0.1 on this hop
        "http://[64:ff9b::7f00:1]:{port}/photo.jpg",
    ],
)
def test_every_redirect_hop_is_checked(server: Origin, guard: Guard, location: str) -> None:
    """A public host redirecting to a loopback one is refused at the second hop's connect."""
    requested: list[str] = []

    def public_host(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"Location": location.format(port=server.port)})

    transport = CheckedTransport(resolve=Rebinding([LOOPBACK]))
    mounts = {f"http://{PUBLIC}": httpx.MockTransport(public_host)}
    with (
        httpx.Client(transport=transport, mounts=mounts) as client,
        pytest.raises(ForbiddenURL),
    ):
        download(f"http://{PUBLIC}/a.jpg", max_bytes=10_000_000, timeout=5, client=client)
    assert requested == [f"http://{PUBLIC}/a.jpg"]
    assert server.hits.total() == 0 and guard.refused == []


def test_the_url_keeps_its_name(server: Origin) -> None:
    """Dialled by the address the resolver gave, asked for by name (Host), through redirects."""
    resolve = Rebinding([LOOPBACK])
    url = server.url("/redirect", host="media.test")
    data = download(url, max_bytes=10_000_000, timeout=5, allow_private=True, resolve=resolve)
    assert data == PHOTO
    assert server.hosts == [f"media.test:{server.port}"] * 2
