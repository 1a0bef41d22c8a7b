"""/docs: the API documentation from the vendored Swagger UI, in Chromium, offline (a request
to another host or a CSP violation fails the test)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.pages.conftest import LiveServer


def test_the_api_documentation_works_offline(live: LiveServer, page: Page) -> None:
    page.goto(f"{live.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("emokognition")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/analyses").first
    expect(operation).to_be_visible()
    operation.click()
    expect(page.get_by_text("Multipart field").first).to_be_visible()
    assert live.api.get("/redoc").status_code == 404  # no page that loads a CDN


def test_the_pages_link_to_it(live: LiveServer, page: Page) -> None:
    page.goto(f"{live.url}/upload")
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("emokognition")
