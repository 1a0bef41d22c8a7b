"""Who may read and write through the pages when `EMOKOGNITION_API_TOKENS` is set.

Writes (the upload form) need a token in the form. Reads are open unless `public_reads` is
off; then a reader signs in once at /login with a token, kept in an HttpOnly cookie (a browser
cannot send a bearer header with an <img> or <video> request).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from emokognition.config import Settings
from emokognition.errors import Unauthorized
from emokognition.web.deps import SettingsDep
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render

TOKEN_COOKIE = "emokognition_token"

router = APIRouter(route_class=PageRoute)


def token_is_valid(settings: Settings, token: str | None) -> bool:
    """Whether `token` is one of the configured tokens (compared in constant time)."""
    given = (token or "").encode()
    return bool(given) and any(hmac.compare_digest(given, t.encode()) for t in settings.api_tokens)


def check_write_token(settings: Settings, token: str | None) -> None:
    """Raise `Unauthorized` unless writes are open or `token` is valid."""
    if settings.api_tokens and not token_is_valid(settings, token):
        raise Unauthorized("a valid API token is needed to submit (EMOKOGNITION_API_TOKENS)")


def require_page_read(request: Request, settings: SettingsDep) -> None:
    """Dependency: reads are public, or the cookie (or a bearer header) holds a valid token."""
    if not settings.api_tokens or settings.public_reads:
        return
    header = request.headers.get("authorization", "")
    bearer = header[7:] if header.lower().startswith("bearer ") else None
    if not token_is_valid(settings, request.cookies.get(TOKEN_COOKIE) or bearer):
        raise Unauthorized("sign in with an API token to read")


PageRead = Depends(require_page_read)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _local(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if not token_is_valid(settings, token):
        context = {"next": _local(next), "error": "That token is not valid."}
        return render(request, "login.html", context, status=401)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=30 * 24 * 3600,
    )
    return response


def _local(target: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
