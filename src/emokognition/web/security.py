"""Who may call what when `EMOKOGNITION_API_TOKENS` is set.

Writes need a bearer token. Reads need one too unless `public_reads`, or a session: the
pages' sign-in cookie, a signed value naming which token signed in (a hash, never the token)
and until when. A session is keyed by its token, so removing the token from the settings
ends its sessions, in every process that shares the settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from emokognition.config import Settings
from emokognition.errors import Unauthorized

SESSION_COOKIE = "emokognition_session"
SESSION_SECONDS = 7 * 24 * 3600
_SESSION_VERSION = "v1"
_SESSION_KEY_LABEL = b"emokognition page session v1"

_bearer = HTTPBearer(auto_error=False, description="One of EMOKOGNITION_API_TOKENS.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: which token (`token_id`) and until when (`expires`, Unix s)."""

    token_id: str
    expires: int


def token_id(token: str) -> str:
    """A short public name of a token: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def matching_token(settings: Settings, given: str | None) -> str | None:
    """The configured token equal to `given` (compared in constant time), or None."""
    raw = (given or "").encode()
    found = None
    for token in settings.api_tokens:
        if raw and hmac.compare_digest(raw, token.encode()):
            found = token
    return found


def sign_session(token: str, *, now: float | None = None) -> str:
    """The cookie value of a session signed in with `token`, valid `SESSION_SECONDS`."""
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    payload = f"{_SESSION_VERSION}.{token_id(token)}.{expires}"
    return f"{payload}.{_signature(token, payload)}"


def read_session(
    settings: Settings, value: str | None, *, now: float | None = None
) -> Session | None:
    """The session in a cookie value, or None: malformed, forged, expired, or its token is
    no longer configured."""
    parts = (value or "").split(".")
    if len(parts) != 4 or parts[0] != _SESSION_VERSION or not parts[2].isdigit():
        return None
    _, named, expires, signature = parts
    if int(expires) <= (now if now is not None else time.time()):
        return None
    payload = f"{_SESSION_VERSION}.{named}.{expires}"
    for token in settings.api_tokens:
        if hmac.compare_digest(token_id(token), named) and hmac.compare_digest(
            _signature(token, payload), signature
        ):
            return Session(token_id=named, expires=int(expires))
    return None


def _signature(token: str, payload: str) -> str:
    # A key per token, apart from the token itself: HMAC-SHA256(token, label).
    key = hmac.new(token.encode(), _SESSION_KEY_LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def session_of(request: Request) -> Session | None:
    """The request's valid session, if its cookie holds one."""
    return read_session(request.app.state.settings, request.cookies.get(SESSION_COOKIE))


def same_origin(request: Request) -> bool:
    """Whether a browser sent this request from one of our own pages (CSRF check).

    Browsers say where a request comes from, and no page can make them say otherwise:
    `Sec-Fetch-Site` (every current browser), else `Origin`, compared with the host asked
    for (`Host`, or `X-Forwarded-Host` behind a proxy that rewrites it). A request with
    neither comes from no browser page, so no other site made it.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")  # "none": typed or bookmarked by the person
    origin = request.headers.get("origin")
    if origin is None:
        return True
    forwarded = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
    hosts = {request.headers.get("host", "").lower(), forwarded.lower()} - {""}
    return urlsplit(origin).netloc.lower() in hosts


def _check(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> None:
    if not settings.api_tokens:
        return
    if credentials is None:
        raise Unauthorized("this call needs an 'Authorization: Bearer <token>' header")
    if matching_token(settings, credentials.credentials) is None:
        raise Unauthorized("the bearer token is not valid")


def require_write(request: Request, credentials: Credentials) -> None:
    """Dependency: a valid bearer token when tokens are configured."""
    _check(request.app.state.settings, credentials)


def require_read(request: Request, credentials: Credentials) -> None:
    """Dependency: when tokens are configured and reads are not public, a valid bearer
    token or a signed-in session (reads are safe methods: no CSRF to fear)."""
    settings: Settings = request.app.state.settings
    if settings.public_reads or not settings.api_tokens:
        return
    if credentials is None and session_of(request) is not None:
        return
    _check(settings, credentials)


WriteAccess = Depends(require_write)
ReadAccess = Depends(require_read)
