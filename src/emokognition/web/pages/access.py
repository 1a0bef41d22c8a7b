"""Who may read and write through the pages when `EMOKOGNITION_API_TOKENS` is set.

A person signs in once at /login with a token; the browser keeps a signed session (see
`web.security`) in an HttpOnly, SameSite=Strict cookie (a browser cannot send a bearer header
with an <img> or <video> request). A session may do what its token may: read when reads are
private, and submit through the upload form without typing the token again. Every form POST
is checked to come from our own pages (Origin, Sec-Fetch-Site): no other site can sign a
browser in, or submit in its name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from emokognition.config import Settings
from emokognition.errors import Unauthorized
from emokognition.web.deps import SettingsDep
from emokognition.web.pages.routing import PageRoute
from emokognition.web.pages.templating import render
from emokognition.web.security import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    matching_token,
    same_origin,
    session_of,
    sign_session,
)

# The cookie of earlier versions held the token itself: dropped at the next sign-in.
_OLD_TOKEN_COOKIE = "emokognition_token"

router = APIRouter(route_class=PageRoute)


def check_same_origin(request: Request) -> None:
    """Refuse (403) a form POST that does not come from one of our own pages."""
    if not same_origin(request):
        raise HTTPException(403, "this form can only be sent from this site's own pages")


def may_write(request: Request, settings: Settings, token: str | None) -> bool:
    """Whether a page form may submit: no tokens are set, or the form holds a valid token,
    or the browser is signed in (the form's origin is checked apart)."""
    if not settings.api_tokens or matching_token(settings, token) is not None:
        return True
    return session_of(request) is not None


def check_write(request: Request, settings: Settings, token: str | None) -> None:
    """Raise `Unauthorized` unless `may_write`."""
    if not may_write(request, settings, token):
        raise Unauthorized("a valid API token is needed to submit (EMOKOGNITION_API_TOKENS)")


def require_page_read(request: Request, settings: SettingsDep) -> None:
    """Dependency: reads are public, or the browser is signed in, or a bearer header holds
    a valid token."""
    if settings.public_reads or not settings.api_tokens:
        return
    if session_of(request) is not None:
        return
    header = request.headers.get("authorization", "")
    bearer = header[7:] if header.lower().startswith("bearer ") else None
    if matching_token(settings, bearer) is None:
        raise Unauthorized("sign in with an API token to read")


PageRead = Depends(require_page_read)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": local_path(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    check_same_origin(request)
    signed_in = matching_token(settings, token)
    if signed_in is None:
        context = {"next": local_path(next), "error": "That token is not valid."}
        return render(request, "login.html", context, status=401)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(signed_in),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=SESSION_SECONDS,
    )
    response.delete_cookie(_OLD_TOKEN_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    check_same_origin(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def local_path(target: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
