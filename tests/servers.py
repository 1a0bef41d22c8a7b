"""HTTP servers on free 127.0.0.1 ports, in threads: the base of the tests' fake servers, and
the real app under uvicorn."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import uvicorn

from emokognition.config import Settings
from emokognition.web import create_app


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


@contextlib.contextmanager
def serving(settings: Settings, **options: Any) -> Iterator[str]:
    """The real app under uvicorn on a free 127.0.0.1 port, in a thread; yields its base URL.

    `options` go to `uvicorn.Config` (`limit_concurrency`, ...).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        **options,
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
        thread.join(30)
