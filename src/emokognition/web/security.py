"""Bearer tokens: writes need one when `api_tokens` is set; reads too unless `public_reads`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from emokognition.config import Settings
from emokognition.errors import Unauthorized

_bearer = HTTPBearer(auto_error=False, description="One of EMOKOGNITION_API_TOKENS.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _check(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> None:
    if not settings.api_tokens:
        return
    if credentials is None:
        raise Unauthorized("this call needs an 'Authorization: Bearer <token>' header")
    given = credentials.credentials.encode()
    if not any(hmac.compare_digest(given, token.encode()) for token in settings.api_tokens):
        raise Unauthorized("the bearer token is not valid")


def require_write(request: Request, credentials: Credentials) -> None:
    """Dependency: a valid token when tokens are configured."""
    _check(request.app.state.settings, credentials)


def require_read(request: Request, credentials: Credentials) -> None:
    """Dependency: a valid token when tokens are configured and reads are not public."""
    settings: Settings = request.app.state.settings
    if not settings.public_reads:
        _check(settings, credentials)


WriteAccess = Depends(require_write)
ReadAccess = Depends(require_read)
