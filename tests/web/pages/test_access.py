"""Pages with API tokens: reads are private by default; a person signs in once at /login and
gets a signed session (never the token) that reads and submits through the upload form;
forms posted from another site are refused."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from emokognition.web import create_app
from emokognition.web.security import SESSION_COOKIE, SESSION_SECONDS, sign_session
from tests.conftest import GROUP_PHOTO, SettingsFactory
from tests.web.pages.conftest import DESKTOP, LiveServer, _settings

TOKEN = "s3cret-token"
OTHER = "other-token"
JPEG = "image/jpeg"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _upload(client: TestClient, photo: bytes) -> str:
    created = client.post(
        "/api/v1/analyses?mode=sync", files={"file": ("p.jpg", photo, JPEG)}, headers=AUTH
    )
    return f"/analyses/{created.json()['id']}"


def _sign_in(client: TestClient, token: str = TOKEN) -> None:
    signed = client.post("/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert signed.status_code == 303


def test_the_upload_form_needs_a_token_when_not_signed_in(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(api_tokens=(TOKEN,), public_reads=True)
    with TestClient(create_app(settings)) as client:
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
        # reads opened on purpose: the page and its picture need no token
        page = client.get(accepted.headers["location"])
        assert page.status_code == 200 and 'class="face-box"' in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_private_reads_sign_in_with_a_signed_session(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens=(TOKEN, OTHER)))) as client:
        page = _upload(client, photo)
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
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and TOKEN not in cookie
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert f"max-age={SESSION_SECONDS}" in cookie.lower()
        assert client.get(page).status_code == 200
        assert client.get(f"{page}/media").content == photo
        assert client.get("/").status_code == 200
        # the session reads the JSON API too (a page links to it), but never writes there
        assert client.get(f"/api/v1{page}").status_code == 200
        files = {"file": ("p.jpg", photo, JPEG)}
        assert client.post("/api/v1/analyses", files=files).status_code == 401
        assert client.delete(f"/api/v1{page}").status_code == 401


def test_a_signed_in_upload_form_asks_for_no_token(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens=(TOKEN,)))) as client:
        assert 'name="token"' in client.get("/upload").text
        _sign_in(client)
        form = client.get("/upload")
        assert form.status_code == 200 and 'name="token"' not in form.text
        accepted = client.post(
            "/upload",
            files={"file": ("p.jpg", photo, JPEG)},
            data={"mode": "sync"},
            headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        assert client.get(accepted.headers["location"]).status_code == 200
        # signing out ends the session on this browser
        out = client.post("/logout", follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert 'name="token"' in client.get("/upload").text
        assert client.get("/", follow_redirects=False).status_code == 303


def test_forms_posted_from_another_site_are_refused(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    with TestClient(create_app(make_settings(api_tokens=(TOKEN,)))) as client:
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Origin": "http://testserver", "Sec-Fetch-Site": "same-site"},
            {"Origin": "https://evil.example", "X-Forwarded-Host": "testserver.example"},
        ):
            login = client.post(
                "/login", data={"token": TOKEN}, headers=headers, follow_redirects=False
            )
            assert login.status_code == 403 and "set-cookie" not in login.headers, headers
        # Behind a proxy that rewrites Host, our own pages still get through.
        for headers in (
            {"Origin": "https://emo.example", "Sec-Fetch-Site": "same-origin"},
            {"Origin": "https://emo.example", "X-Forwarded-Host": "emo.example"},
        ):
            login = client.post(
                "/login", data={"token": TOKEN}, headers=headers, follow_redirects=False
            )
            assert login.status_code == 303, headers
        client.cookies.clear()
        _sign_in(client)
        forged = client.post(
            "/upload",
            files={"file": ("p.jpg", photo, JPEG)},
            data={"mode": "sync"},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
            follow_redirects=False,
        )
        assert forged.status_code == 403
        assert client.get("/api/v1/analyses", headers=AUTH).json()["total"] == 0


def test_a_session_is_not_forged_kept_past_its_time_or_its_token(
    make_settings: SettingsFactory, photo: bytes
) -> None:
    settings = make_settings(api_tokens=(TOKEN, OTHER))
    with TestClient(create_app(settings)) as client:
        page = _upload(client, photo)
        value = sign_session(TOKEN)
        version, named, expires, signature = value.split(".")
        refused = {
            "tampered expiry": f"{version}.{named}.{int(expires) + 1}.{signature}",
            "expired": sign_session(TOKEN, now=0),
            "garbage": "v1.x.1.y",
            "the raw token (earlier versions' cookie)": TOKEN,
        }
        for why, cookie in refused.items():
            client.cookies.set(SESSION_COOKIE, cookie)
            assert client.get(page, follow_redirects=False).status_code == 303, why
        client.cookies.clear()
        client.cookies.set("emokognition_token", TOKEN)
        assert client.get(page, follow_redirects=False).status_code == 303
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, value)
        assert client.get(page).status_code == 200
    # The operator removes the token: its sessions end with it, the other token's stay.
    revoked = settings.model_copy(update={"api_tokens": (OTHER,)})
    with TestClient(create_app(revoked)) as client:
        client.cookies.set(SESSION_COOKIE, value)
        assert client.get(page, follow_redirects=False).status_code == 303
        client.cookies.set(SESSION_COOKIE, sign_session(OTHER))
        assert client.get(page).status_code == 200


def test_sign_in_then_upload_in_a_browser(browser: Browser, tmp_path: Path) -> None:
    with LiveServer(_settings(tmp_path / "data", api_tokens=(TOKEN,))) as live:
        context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
        page = context.new_page()
        page.goto(f"{live.url}/upload")
        expect(page.get_by_label("API token")).to_be_visible()  # not signed in: asked for
        page.goto(f"{live.url}/")
        page.wait_for_url(re.compile(r"/login\?next=/$"))
        page.get_by_label("API token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live.url}/")
        cookies = {c["name"]: c for c in context.cookies()}
        session = cookies[SESSION_COOKIE]
        assert session.get("httpOnly") and TOKEN not in session.get("value", "")
        assert page.evaluate("document.cookie") == ""
        page.goto(f"{live.url}/upload")
        expect(page.get_by_label("API token")).to_have_count(0)
        expect(page.locator("#signed-in")).to_be_visible()
        page.get_by_label("A photo or video file").set_input_files(GROUP_PHOTO)
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_url(re.compile(r"/analyses/[0-9a-f]{32}$"))
        expect(page.locator("svg.boxes a.face-box").first).to_be_visible()
        image = page.locator("#picture")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        page.goto(f"{live.url}/upload")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live.url}/login")
        assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
        context.close()
