"""Pages with API tokens: the upload form needs one; with private reads, a reader signs in
once (an HttpOnly cookie) and then reads pages and media, never without."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from emokognition.web import create_app
from tests.conftest import SettingsFactory

TOKEN = "s3cret-token"
JPEG = "image/jpeg"


def test_the_upload_form_needs_a_token_when_tokens_are_set(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens=(TOKEN,)))) as client:
        form = client.get("/upload")
        assert form.status_code == 200 and 'name="token"' in form.text
        files = {"file": ("p.jpg", photo, JPEG)}
        refused = client.post("/upload", files=files, data={"token": "wrong"})
        assert refused.status_code == 401 and "a valid API token is needed" in refused.text
        assert TOKEN not in refused.text and "wrong" not in refused.text
        accepted = client.post(
            "/upload", files=files, data={"token": TOKEN, "mode": "sync"}, follow_redirects=False
        )
        assert accepted.status_code == 303
        assert re.fullmatch(r"/analyses/[0-9a-f]{32}", accepted.headers["location"])
        # reads stay public: the page and its picture need no token
        page = client.get(accepted.headers["location"])
        assert page.status_code == 200 and 'class="face-box"' in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_private_reads_sign_in_with_a_cookie(make_settings: SettingsFactory, photo: bytes) -> None:
    settings = make_settings(api_tokens=(TOKEN,), public_reads=False)
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/api/v1/analyses?mode=sync",
            files={"file": ("p.jpg", photo, JPEG)},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()
        page = f"/analyses/{created['id']}"
        for path in ("/", page, f"{page}/media", f"{page}/thumbnail"):
            answer = client.get(path, follow_redirects=False)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=")
        assert client.get("/login").status_code == 200
        wrong = client.post("/login", data={"token": "nope", "next": page})
        assert wrong.status_code == 401 and "not valid" in wrong.text
        # only paths of this site are followed after signing in
        signed = client.post(
            "/login", data={"token": TOKEN, "next": "//evil.example/"}, follow_redirects=False
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get(page).status_code == 200
        assert client.get(f"{page}/media").content == photo
        assert client.get("/").status_code == 200
