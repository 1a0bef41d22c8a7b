"""FFmpeg reaches only checked addresses: a public playlist cannot lead it to a private host.

The network is this machine's, seen through a guard: `cdn.test` is a public address that a
NAT routes to 127.0.0.1 (where the test's servers listen), `inside.test` a private one that
nothing may dial. FFmpeg (PyAV) opens the streams for real, through `media.proxy`.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from emokognition.config import Settings
from emokognition.errors import ConfigError, PrivateAddress, StreamError
from emokognition.media.proxy import CheckingProxy, shared_proxy
from emokognition.video.live.source import StreamSource, _dial_at
from tests.media.network import LOOPBACK, PUBLIC, Guard, guard_network
from tests.servers import LocalServer
from tests.video.live.streams import encode_segments
from tests.video.media import WOMAN, read_frames

PRIVATE = "10.0.0.7"
NAMES = {"cdn.test": [PUBLIC], "inside.test": [PRIVATE]}


class PlaylistServer(LocalServer):
    """`/live.m3u8` lists its segments at `http://<segment_host>:<port>/segN.ts`; `/moved`
    redirects to `/live.m3u8` on `redirect_host`."""

    def __init__(self, segments: list[bytes], segment_host: str, redirect_host: str) -> None:
        super().__init__()
        self.segments = segments
        self.segment_host = segment_host
        self.redirect_host = redirect_host
        self.paths: list[str] = []

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        self.paths.append(request.path)
        if request.path == "/moved":
            request.send_response(302)
            request.send_header("Location", f"http://{self.redirect_host}:{self.port}/live.m3u8")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if request.path == "/live.m3u8":
            lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1"]
            for number in range(len(self.segments)):
                url = f"http://{self.segment_host}:{self.port}/seg{number}.ts"
                lines += ["#EXTINF:0.500,", url]
            body = ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()
            kind = "application/vnd.apple.mpegurl"
        elif request.path.startswith("/seg"):
            body, kind = self.segments[int(request.path[4:-3])], "video/mp2t"
        else:
            request.send_error(404)
            return
        request.send_response(200)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


@pytest.fixture(scope="module")
def segments() -> list[bytes]:
    return encode_segments(read_frames(WOMAN, 6, step=4), 3)


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Guard:
    monkeypatch.delenv("no_proxy", raising=False)
    return guard_network(monkeypatch, NAMES, routes={PUBLIC: LOOPBACK})


SETTINGS = Settings(allow_private_urls=False, stream_timeout=5.0)


def _frames(url: str) -> int:
    with StreamSource.parse(url).open(SETTINGS) as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_public_playlist_with_public_segments_plays(guard: Guard, segments: list[bytes]) -> None:
    with PlaylistServer(segments, "cdn.test", "cdn.test") as server:
        assert _frames(f"http://cdn.test:{server.port}/live.m3u8") == 15
    assert guard.refused == []


@pytest.mark.parametrize(
    ("segment_host", "redirect_host", "path"),
    [
        ("inside.test", "cdn.test", "/live.m3u8"),  # segments on a private host
        (LOOPBACK, "cdn.test", "/live.m3u8"),  # or at a literal that FFmpeg could reach
        ("cdn.test", LOOPBACK, "/moved"),  # a redirect to a private address
        ("cdn.test", "inside.test", "/moved"),
    ],
)
def test_nothing_a_playlist_names_on_a_private_host_is_fetched(
    guard: Guard,
    segments: list[bytes],
    caplog: pytest.LogCaptureFixture,
    segment_host: str,
    redirect_host: str,
    path: str,
) -> None:
    caplog.set_level(logging.INFO, logger="emokognition.media.proxy")
    with PlaylistServer(segments, segment_host, redirect_host) as server:
        with pytest.raises(StreamError, match="cannot open stream"):
            _frames(f"http://cdn.test:{server.port}{path}")
        assert not any(p.startswith("/seg") for p in server.paths)
        assert path != "/moved" or server.paths == ["/moved"]
    refused = redirect_host if path == "/moved" else segment_host
    assert f"stream request refused: host {refused!r}" in caplog.text
    assert guard.refused == []  # refused before any connection was tried


def test_the_stream_url_itself_is_checked(guard: Guard) -> None:
    with pytest.raises(PrivateAddress):
        StreamSource.parse("http://inside.test/live.m3u8").open(SETTINGS)


def test_a_tunnel_reaches_checked_hosts_only(guard: Guard) -> None:
    """CONNECT (FFmpeg's way to https through a proxy): refused for a private host, carried
    byte for byte to a public one."""
    with socket.socket() as listener, CheckingProxy(allow_private=False) as proxy:
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        echo = threading.Thread(target=_echo_once, args=(listener,), daemon=True)
        echo.start()
        proxy_port = int(proxy.url.rsplit(":", 1)[1])
        for host, expected in (("inside.test", b"403"), ("cdn.test", b"200")):
            with socket.create_connection((LOOPBACK, proxy_port), timeout=5) as client:
                client.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                status = client.recv(1024).split(b" ")[1]
                assert status == expected
                if status == b"200":
                    client.sendall(b"\x16\x03\x01 a client hello")
                    assert client.recv(1024) == b"\x16\x03\x01 a client hello"
        echo.join(timeout=5)
    assert guard.refused == []


def _echo_once(listener: socket.socket) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.sendall(connection.recv(1024))


def test_no_proxy_would_let_ffmpeg_around_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    with pytest.raises(ConfigError, match="no_proxy"):
        shared_proxy(allow_private=False)
    assert shared_proxy(allow_private=True).allow_private  # nothing to check: no refusal


@pytest.mark.parametrize(
    ("url", "address", "expected"),
    [
        ("rtsp://cam.test/live", "93.184.216.34", "rtsp://93.184.216.34/live"),
        ("rtsp://u:p@cam.test:8554/a?b=1", "93.184.216.34", "rtsp://u:p@93.184.216.34:8554/a?b=1"),
        ("rtmp://cam.test/app/key", "2606:2800::1", "rtmp://[2606:2800::1]/app/key"),
    ],
)
def test_rtsp_and_rtmp_are_dialled_at_the_checked_address(
    url: str, address: str, expected: str
) -> None:
    assert _dial_at(url, address) == expected
