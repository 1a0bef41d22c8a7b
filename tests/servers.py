"""An HTTP server on a free 127.0.0.1 port, in a thread: the base of the tests' fake servers."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LocalServer:
    """Serves `methods` through `_serve` while in a `with` block.

    Subclasses may hold requests until `_release` is set; leaving the block sets `_closing`
    and `_release` so that held requests end.
    """

    methods: tuple[str, ...] = ("GET",)
    protocol_version = "HTTP/1.0"

    def __init__(self) -> None:
        self._release = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = server.protocol_version

            def handle(self) -> None:
                # Clients close connections (or are killed, on purpose) whenever they like.
                with contextlib.suppress(ConnectionError):
                    super().handle()

            def do_GET(self) -> None:  # the stdlib's names
                server._dispatch(self, "GET")

            def do_POST(self) -> None:
                server._dispatch(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def _dispatch(self, request: BaseHTTPRequestHandler, method: str) -> None:
        if method in self.methods:
            self._serve(request, method)
        else:
            request.send_error(501, f"unsupported method {method!r}")

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
