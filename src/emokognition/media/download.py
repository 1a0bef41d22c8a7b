"""Fetch media from a URL without letting the URL reach where it should not."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from emokognition.errors import DownloadError, ForbiddenURL, MediaTooLarge

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

_MAX_REDIRECTS = 5
URL_SCHEMES = ("http", "https")


def is_public_address(address: str) -> bool:
    """True when an IP address is globally routable (not private, loopback, link-local...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address.

    Raises:
        ForbiddenURL: Bad scheme, no host, or a private/loopback/link-local address.
        DownloadError: The host name does not resolve.
    """
    parts = urlsplit(url)
    if not parts.scheme:
        raise ForbiddenURL(f"not a URL: {url[:200]!r} (give an http or https URL)")
    if parts.scheme not in URL_SCHEMES:
        raise ForbiddenURL(f"unsupported URL scheme {parts.scheme!r} ({', '.join(URL_SCHEMES)})")
    host = parts.hostname
    if not host:
        raise ForbiddenURL("URL has no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DownloadError(f"cannot resolve host {host!r}: {exc}", transient=True) from exc
    for *_, sockaddr in infos:
        if not is_public_address(str(sockaddr[0])):
            raise ForbiddenURL(
                f"host {host!r} resolves to a non-public address; "
                "set EMOKOGNITION_ALLOW_PRIVATE_URLS=true to allow it"
            )


def download(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allow_private: bool = False,
    client: httpx.Client | None = None,
) -> bytes:
    """Download a URL's body, checking every redirect hop and the size as it streams.

    Raises:
        ForbiddenURL: A hop is not http(s) or points at a non-public address.
        DownloadError: Network failure, time-out, error status or too many redirects.
        MediaTooLarge: The body exceeds `max_bytes`.
    """
    import httpx  # with its command-line module: imported when a URL is read, not at start

    owned = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for _ in range(_MAX_REDIRECTS + 1):
            check_url(url, allow_private=allow_private)
            with http.stream("GET", url, timeout=timeout) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                status = response.status_code
                if status >= 400:
                    raise DownloadError(
                        f"download failed: HTTP {status}", transient=status == 429 or status >= 500
                    )
                return _read_limited(response, max_bytes)
        raise DownloadError(f"more than {_MAX_REDIRECTS} redirects")
    except httpx.TimeoutException as exc:
        raise DownloadError(f"download timed out after {timeout:g} s", transient=True) from exc
    except httpx.HTTPError as exc:
        raise DownloadError(f"download failed: {exc}", transient=True) from exc
    finally:
        if owned:
            http.close()


def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLarge(f"download is {int(declared):,} bytes (limit {max_bytes:,})")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise MediaTooLarge(f"download exceeds {max_bytes:,} bytes")
    return bytes(body)
