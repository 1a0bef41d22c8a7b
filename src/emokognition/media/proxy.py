"""A forward HTTP proxy on 127.0.0.1 that dials only checked addresses: FFmpeg's way out.

FFmpeg fetches on its own whatever a stream names: an HLS playlist's segments, keys and
variant playlists, and every redirect, on any host. Checking the stream's URL once would let
a public playlist lead FFmpeg to 127.0.0.1 or the cloud's metadata address. Given this proxy
(its `http_proxy` option, which the HLS demuxer passes on to every request it makes), each
request comes here, plain HTTP as `GET http://host/...` and TLS as `CONNECT host:443`, and
each host is resolved once, checked and dialled at a checked address, as `CheckedTransport`
does for our own downloads. TLS stays end to end (the tunnel carries it unread), so SNI and
certificates are the host's.
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import socketserver
import threading
import urllib.parse
from typing import Self

from emokognition.errors import ConfigError, EmokognitionError
from emokognition.media.addresses import Resolve, resolve_checked, system_resolve

logger = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024
# A tunnel may idle between a live playlist's reloads (a few target durations).
_IDLE_SECONDS = 60.0
# Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: not forwarded.
_HOP = frozenset(
    ("connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "upgrade")
)


class CheckingProxy:
    """The proxy, serving in daemon threads while open.

    Args:
        allow_private: Dial private and loopback addresses too (still only resolved ones).
        resolve: Finds a host's addresses (the system resolver; tests pass theirs).
        timeout: Seconds a connect, or a relay with nothing to carry, may last.
    """

    def __init__(
        self, *, allow_private: bool, resolve: Resolve = system_resolve, timeout: float = 30.0
    ) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self.timeout = timeout
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.2,), name="checking-proxy", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(self.timeout)
        try:
            head, rest = _read_head(client)
            method, target, version, headers = _parse_head(head)
            upstream = self._open(client, method, target, version, headers)
            if upstream is None:
                return
            with upstream:
                if rest:
                    upstream.sendall(rest)
                _relay(client, upstream)
        except (OSError, ValueError) as exc:
            logger.debug("proxy connection ended: %s", exc)

    def _open(
        self,
        client: socket.socket,
        method: str,
        target: str,
        version: str,
        headers: list[tuple[str, str]],
    ) -> socket.socket | None:
        """The upstream connection, the request sent or the tunnel open; None when refused."""
        if method == "CONNECT":
            host, port = _authority(target)
            upstream = self._dial(client, host, port)
            if upstream is not None:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            return upstream
        parts = urllib.parse.urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            _answer(client, 400, "a proxy request needs an http:// URL")
            return None
        upstream = self._dial(client, parts.hostname, parts.port or 80)
        if upstream is not None:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            upstream.sendall(_request(method, path, version, headers))
        return upstream

    def _dial(self, client: socket.socket, host: str, port: int) -> socket.socket | None:
        """A connection to a checked address of `host`, or None once the client was told no."""
        try:
            addresses = resolve_checked(
                host, port, resolve=self.resolve, allow_private=self.allow_private
            )
        except EmokognitionError as exc:
            logger.info("stream request refused: %s", exc.message)
            _answer(client, 403, exc.message)
            return None
        for address in addresses:  # each is checked: dial them in the resolver's order
            try:
                return socket.create_connection((address, port), timeout=self.timeout)
            except OSError as exc:
                logger.info("cannot reach %s port %d: %s", host, port, exc)
        _answer(client, 502, f"cannot reach {host} port {port}")
        return None


def _read_head(client: socket.socket) -> tuple[bytes, bytes]:
    """The request head and whatever came after it (a body's start), read off the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(4096)
        if not chunk or len(data) > _MAX_HEAD:
            raise ValueError("no complete request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, version = first.split()
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return method, target, version, headers


def _authority(target: str) -> tuple[str, int]:
    """`host:port` of a CONNECT request ([v6]:port too)."""
    parts = urllib.parse.urlsplit(f"//{target}")
    if not parts.hostname or parts.port is None:
        raise ValueError(f"bad CONNECT target {target!r}")
    return parts.hostname, parts.port


def _request(method: str, path: str, version: str, headers: list[tuple[str, str]]) -> bytes:
    """The request in origin form, for one exchange: the upstream closes after answering."""
    kept = [f"{name}: {value}" for name, value in headers if name.lower() not in _HOP]
    lines = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Carry bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            ready = selector.select(timeout=_IDLE_SECONDS)
            if not ready:
                return
            for key, _ in ready:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                data = source.recv(65536)
                if not data:
                    return
                key.data.sendall(data)


def _answer(client: socket.socket, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = f"{message}\n".encode()
    client.sendall(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


_shared: dict[bool, CheckingProxy] = {}
_shared_lock = threading.Lock()


def shared_proxy(*, allow_private: bool) -> CheckingProxy:
    """This process's proxy for the policy (started on first use, serving until exit).

    Raises:
        ConfigError: `no_proxy` is set: FFmpeg would go around the proxy to its hosts.
    """
    if not allow_private and os.environ.get("no_proxy", "").strip():
        raise ConfigError(
            "the no_proxy environment variable would let FFmpeg reach its hosts unchecked: "
            "unset it for emokognition (or set EMOKOGNITION_ALLOW_PRIVATE_URLS=true)"
        )
    with _shared_lock:
        if allow_private not in _shared:
            _shared[allow_private] = CheckingProxy(allow_private=allow_private)
        return _shared[allow_private]


__all__ = ["CheckingProxy", "shared_proxy"]
