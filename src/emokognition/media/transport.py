"""An httpx transport that dials only the addresses it checked, within a total deadline.

Checking a host before the request and letting httpx resolve it again to connect is open to
DNS rebinding: a name may answer a public address to the check and 127.0.0.1 to the connect.
Here the network backend under httpx's connection pool resolves each connection's host once,
checks every address and dials a checked one; the URL keeps its name, so the Host header, TLS
SNI and certificate checks are the name's. Every connection goes through it, so every
redirect hop does too.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from emokognition.media.addresses import Resolve, resolve_checked, system_resolve


@dataclass(frozen=True, slots=True)
class Deadline:
    """A point in time (`time.monotonic()`) by which a whole download must be over."""

    seconds: float
    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(seconds, time.monotonic() + seconds)

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def cap(self, timeout: float | None, error: type[Exception]) -> float:
        """`timeout` shortened to the time left; raises `error` when none is left."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise error(f"deadline of {self.seconds:g} s passed")
        return left if timeout is None else min(timeout, left)


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport (its pooling, TLS and error mapping) over a checked network.

    Args:
        resolve: Finds a host's addresses (the system resolver by default; tests pass theirs).
        allow_private: Dial private and loopback addresses too (still only resolved ones).
        deadline: When given, no connect, TLS handshake, read or write outlasts it.
        verify: As httpx's: True, a CA bundle path, or an `ssl.SSLContext`.
    """

    def __init__(
        self,
        *,
        resolve: Resolve = system_resolve,
        allow_private: bool = False,
        deadline: Deadline | None = None,
        verify: ssl.SSLContext | str | bool = True,
    ) -> None:
        context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=context)
        # httpx 0.28 takes no network backend (encode/httpx#3749), so its pool is replaced
        # by one that has ours; fail closed if a later httpx no longer builds it this way.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise TypeError(f"httpx {httpx.__version__}: HTTPTransport has no pool to replace")
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            network_backend=_CheckedBackend(resolve, allow_private, deadline),
        )


class _CheckedBackend(httpcore.NetworkBackend):
    def __init__(self, resolve: Resolve, allow_private: bool, deadline: Deadline | None) -> None:
        self._resolve = resolve
        self._allow_private = allow_private
        self._deadline = deadline
        self._network = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_checked(
            host, port, resolve=self._resolve, allow_private=self._allow_private
        )
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # each is checked: dial them in the resolver's order
            if self._deadline is not None:
                timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._network.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return stream if self._deadline is None else _DeadlineStream(stream, self._deadline)
        raise failure or httpcore.ConnectError(f"no address for {host!r}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("URL downloads do not dial Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._network.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A stream whose every operation waits at most until the deadline: a server sending a
    byte a second answers each read in time but never finishes."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        tls = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)
