"""Seams for the URL tests: resolvers that answer what a test says, and a guard that keeps
every connection and name lookup on this machine whatever the code under test does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

LOOPBACK = "127.0.0.1"
PUBLIC = "93.184.216.34"  # public-looking; never dialled (the guard refuses it)


class Rebinding:
    """A resolver whose answers change: `answers[0]` to the first question about a host,
    `answers[1]` to the second, the last one from then on (a DNS rebinding attacker)."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> Sequence[str]:
        with self._lock:
            self.asked.append(host)
            return self.answers[min(len(self.asked), len(self.answers)) - 1]


class Guard:
    """What the code tried to dial beyond 127.0.0.1 (refused), and the names (not IP
    literals) it asked the system resolver for."""

    def __init__(self) -> None:
        self.refused: list[tuple[str, int]] = []
        self.lookups: list[str] = []


def guard_network(
    monkeypatch: pytest.MonkeyPatch,
    names: Mapping[str, Sequence[str]] | None = None,
    *,
    routes: Mapping[str, str] | None = None,
) -> Guard:
    """Let sockets connect to 127.0.0.1 only, and the system resolver answer `localhost`, IP
    literals and `names` (name -> addresses) only: any other name does not exist.

    `routes` (address -> 127.0.0.1) are what a NAT in front of the test would do: a
    connection to such an address (a public one, say) reaches this machine's port instead.
    """
    guard = Guard()
    connect = socket.create_connection
    getaddrinfo = socket.getaddrinfo
    known = dict(names or {})
    routed = dict(routes or {})

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        if address[0] in routed:
            address = (routed[address[0]], address[1])
        if address[0] != LOOPBACK:
            guard.refused.append((address[0], address[1]))
            raise ConnectionRefusedError(f"test guard: {address[0]} is not {LOOPBACK}")
        return connect(address, *args, **kwargs)

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if _is_literal(name):  # as socket.create_connection asks, even for an address
            return getaddrinfo(host, port, *args, **kwargs)
        guard.lookups.append(name)
        if name in known:
            return [
                (_family(address), socket.SOCK_STREAM, 6, "", (address, port or 0))
                for address in known[name]
            ]
        if name == "localhost":
            return getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return guard


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _is_literal(name: str) -> bool:
    try:
        socket.inet_pton(_family(name), name)
    except OSError:
        return False
    return True
