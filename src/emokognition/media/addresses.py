"""Which addresses a URL download may reach, and the resolver that finds them."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import TypeAlias

from emokognition.errors import DownloadError, ForbiddenURL, PrivateAddress, UnknownHost

Resolve: TypeAlias = Callable[[str, int], Sequence[str]]
"""(host, port) -> its IP addresses as strings; raises `socket.gaierror` when it cannot."""

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 6052's well-known NAT64 prefix carries a public IPv4 address in its last 32 bits (DNS64
# answers it on IPv6-only networks): judged by that address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Prefixes that reach an address of someone's choosing through a translator or a tunnel, or
# are deprecated, and that no public media host needs: refused whatever they embed.
_REFUSED = tuple(
    ipaddress.IPv6Network(prefix)
    for prefix in (
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): the operator's own translator
        "::/96",  # IPv4-compatible ::a.b.c.d (deprecated, RFC 4291)
        "::ffff:0:0:0/96",  # IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765)
        "2001::/32",  # Teredo: a tunnel to the (obfuscated) client address it embeds
        "fec0::/10",  # site-local (deprecated, RFC 3879); Python < 3.13 calls it global
    )
)
# getaddrinfo's "no such name" answers: the URL's mistake, not a failure on our side.
_NO_SUCH_NAME = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)


def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (getaddrinfo), in its order, once each."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in infos))


def is_public_address(address: str) -> bool:
    """True when an IP address is globally routable, after unwrapping the IPv4 address that an
    IPv4-mapped, NAT64 or 6to4 address stands for; tunnelling and deprecated prefixes are not."""
    ip = _effective(ipaddress.ip_address(address))
    if ip is None:
        return False
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or site_local)


def _effective(ip: IPAddress) -> IPAddress | None:
    """The address a connection to `ip` reaches; None for a prefix refused as such."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in prefix for prefix in _REFUSED):
        return None
    return ip


def resolve_checked(
    host: str, port: int, *, resolve: Resolve = system_resolve, allow_private: bool = False
) -> list[str]:
    """The addresses to dial for `host`, resolved once, each checked (unless `allow_private`).

    An IP literal is its own answer; a name is asked of `resolve`. Every answer must be public,
    not just the first: the one that is dialled is not ours to choose.

    Raises:
        ForbiddenURL: An address is not public, or the host name is malformed.
        UnknownHost: The name does not exist.
        DownloadError: The resolver failed for now (transient).
    """
    addresses = [host] if _is_literal(host) else _ask(resolve, host, port)
    if not addresses:
        raise UnknownHost(f"host {host!r} has no address (check the URL's host name)")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise PrivateAddress(
                    f"host {host!r} resolves to a non-public address; "
                    "set EMOKOGNITION_ALLOW_PRIVATE_URLS=true to allow it"
                )
    return addresses


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ask(resolve: Resolve, host: str, port: int) -> list[str]:
    try:
        return list(resolve(host, port))
    except UnicodeError as exc:  # IDNA: an empty or over-long label
        raise ForbiddenURL(f"invalid host name {host[:200]!r}: {exc}") from exc
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_NAME:
            raise UnknownHost(
                f"host {host!r} does not resolve (check the URL's host name)"
            ) from exc
        raise DownloadError(f"cannot resolve host {host!r}: {exc}", transient=True) from exc
