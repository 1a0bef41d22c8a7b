"""Fetch media from a URL without letting the URL reach where it should not."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit

from emokognition.errors import DownloadError, ForbiddenURL, MediaTooLarge
from emokognition.media.addresses import Resolve, resolve_checked, system_resolve

if TYPE_CHECKING:
    import httpx

    from emokognition.media.transport import Deadline

logger = logging.getLogger(__name__)

_MAX_REDIRECTS = 5
URL_SCHEMES = ("http", "https")
DEFAULT_DEADLINE = 60.0


class _Target(NamedTuple):
    host: str
    port: int


def check_url(url: str, *, allow_private: bool = False, resolve: Resolve = system_resolve) -> None:
    """Refuse a URL that is malformed, not http(s), names no host or a host that does not
    exist, or whose host resolves to a non-public address (unless `allow_private`).

    A passing check does not make the fetch safe by itself (the name may answer otherwise
    later): `download` checks again the addresses it dials.

    Raises:
        ForbiddenURL: Malformed, bad scheme, no host, or a non-public address.
        UnknownHost: The host name does not exist.
        DownloadError: The resolver failed for now (transient).
    """
    target = _parse(url)
    resolve_checked(target.host, target.port, resolve=resolve, allow_private=allow_private)


def _parse(url: str) -> _Target:
    """The host and port of an http(s) URL; no name is resolved here."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", a port out of range or not a number
        raise ForbiddenURL(f"malformed URL {url[:200]!r}: {exc}") from exc
    if not parts.scheme:
        raise ForbiddenURL(f"not a URL: {url[:200]!r} (give an http or https URL)")
    if parts.scheme not in URL_SCHEMES:
        raise ForbiddenURL(f"unsupported URL scheme {parts.scheme!r} ({', '.join(URL_SCHEMES)})")
    host = parts.hostname
    if not host:
        raise ForbiddenURL("URL has no host")
    try:
        host.encode("idna")
    except UnicodeError as exc:  # an empty or over-long label
        raise ForbiddenURL(f"invalid host name {host[:200]!r}: {exc}") from exc
    return _Target(host, port or (443 if parts.scheme == "https" else 80))


def download(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    deadline: float = DEFAULT_DEADLINE,
    allow_private: bool = False,
    resolve: Resolve = system_resolve,
    client: httpx.Client | None = None,
) -> bytes:
    """Download a URL's body, following redirects, checking the size as it streams.

    Each connection (each redirect hop) dials only addresses that `resolve` gave and that are
    public (unless `allow_private`). A `client` of the caller's brings its own transport, and
    with it its own address policy (`CheckedTransport` is ours).

    Args:
        timeout: Seconds for each connect, read or write.
        deadline: Seconds for the whole download, however the server paces its bytes.

    Raises:
        ForbiddenURL: A hop is malformed, not http(s), or points at a non-public address.
        UnknownHost: A hop's host name does not exist.
        DownloadError: Network failure, time-out, deadline, error status or too many redirects.
        MediaTooLarge: The body exceeds `max_bytes`.
    """
    import httpx  # with its command-line module: imported when a URL is read, not at start

    from emokognition.media.transport import CheckedTransport, Deadline

    due = Deadline.after(deadline)
    owned = client is None
    http = client or httpx.Client(
        transport=CheckedTransport(resolve=resolve, allow_private=allow_private, deadline=due),
        timeout=timeout,
        follow_redirects=False,
    )
    try:
        return _fetch(http, url, max_bytes=max_bytes, timeout=timeout, due=due)
    except httpx.InvalidURL as exc:  # what httpx's own parsing refuses beyond ours
        raise ForbiddenURL(f"malformed URL: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise _late(due) or DownloadError(
            f"download timed out after {timeout:g} s", transient=True
        ) from exc
    except httpx.HTTPError as exc:
        raise DownloadError(f"download failed: {exc}", transient=True) from exc
    finally:
        if owned:
            http.close()


def _fetch(http: httpx.Client, url: str, *, max_bytes: int, timeout: float, due: Deadline) -> bytes:
    for _ in range(_MAX_REDIRECTS + 1):
        _parse(url)  # the scheme of every hop; its addresses are the transport's to check
        with http.stream("GET", url, timeout=timeout) as response:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            status = response.status_code
            if status >= 400:
                raise DownloadError(
                    f"download failed: HTTP {status}", transient=status == 429 or status >= 500
                )
            return _read_limited(response, max_bytes, due)
    raise DownloadError(f"more than {_MAX_REDIRECTS} redirects")


def _late(due: Deadline) -> DownloadError | None:
    """The deadline's error once it has passed: our own limit, so trying again is no use."""
    if not due.expired:
        return None
    return DownloadError(
        f"download took longer than {due.seconds:g} s (EMOKOGNITION_DOWNLOAD_DEADLINE)"
    )


def _read_limited(response: httpx.Response, max_bytes: int, due: Deadline) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLarge(f"download is {int(declared):,} bytes (limit {max_bytes:,})")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise MediaTooLarge(f"download exceeds {max_bytes:,} bytes")
        if (late := _late(due)) is not None:  # for a caller's client; ours stops reads itself
            raise late
    return bytes(body)
