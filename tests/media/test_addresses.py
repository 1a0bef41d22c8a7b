"""Which addresses count as public, IPv4 embedded in IPv6 included, and how resolving fails."""

from __future__ import annotations

import socket
from collections.abc import Sequence

import pytest

from emokognition.errors import DownloadError, ForbiddenURL, PrivateAddress, UnknownHost
from emokognition.media.addresses import Resolve, is_public_address, resolve_checked


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),  # NAT64 (DNS64 on IPv6-only networks) of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::808:808", False),  # local-use NAT64: the operator's own translator
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002::1", False),  # 6to4 of 0.0.0.0
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::808:808", False),  # IPv4-compatible, deprecated: refused whatever it embeds
        ("::ffff:0:7f00:1", False),  # IPv4-translated 127.0.0.1
        ("::ffff:0:808:808", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("fec0::1", False),  # site-local
        ("fc00::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
        ("::1", False),
        ("::", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def _answers(*addresses: str) -> Resolve:
    def resolve(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolve


def _fails(code: int) -> Resolve:
    def resolve(host: str, port: int) -> Sequence[str]:
        raise socket.gaierror(code, "resolver says no")

    return resolve


@pytest.mark.parametrize(
    ("resolve", "allow_private", "expected"),
    [
        (_answers("8.8.8.8", "2606:4700::1111"), False, ["8.8.8.8", "2606:4700::1111"]),
        (_answers("8.8.8.8", "127.0.0.1"), False, PrivateAddress),  # every answer, not the first
        (_answers("8.8.8.8", "127.0.0.1"), True, ["8.8.8.8", "127.0.0.1"]),
        (_answers(), True, UnknownHost),
        (_fails(socket.EAI_NONAME), True, UnknownHost),
        (_fails(socket.EAI_AGAIN), False, DownloadError),
    ],
)
def test_resolve_checked(
    resolve: Resolve, allow_private: bool, expected: list[str] | type[Exception]
) -> None:
    if isinstance(expected, list):
        assert resolve_checked("a.test", 80, resolve=resolve, allow_private=allow_private) == (
            expected
        )
        return
    with pytest.raises((ForbiddenURL, DownloadError)) as caught:
        resolve_checked("a.test", 80, resolve=resolve, allow_private=allow_private)
    assert type(caught.value) is expected
    if isinstance(caught.value, UnknownHost):  # the URL's mistake: a 4xx
        assert caught.value.status == 422
    elif isinstance(caught.value, DownloadError):  # the resolver failed for now, not the URL
        assert caught.value.transient and caught.value.status == 502


def test_a_literal_is_not_resolved() -> None:
    assert resolve_checked("8.8.8.8", 80, resolve=_fails(socket.EAI_FAIL)) == ["8.8.8.8"]
