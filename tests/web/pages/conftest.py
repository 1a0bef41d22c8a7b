"""Browser fixtures: Debian's Chromium driven by Playwright, and the real service served by
uvicorn in a thread (SQLite in a temporary folder, inline jobs).

Both live as long as this package's tests, no longer: Playwright's sync API runs an event loop
that would make other tests' `asyncio.run` fail.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

from emokognition.config import Settings
from emokognition.web import create_app
from tests.conftest import GROUP_PHOTO, MediaServer, free_port, wait_until
from tests.shared import REPO, SAMPLE_PHOTO

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class LiveServer:
    """The service for `settings` on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="none",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self.api = httpx.Client(base_url=self.url, timeout=60)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        wait_until(lambda: self.server.started, timeout=30, what="the live service")
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()
        self.server.should_exit = True
        self._thread.join(30)


def _settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings that read nothing from the caller's environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("EMOKOGNITION_") or name == "POSTGRES_APPLICATION_CONFIG":
                patch.delenv(name)
        values: dict[str, object] = {
            "data_dir": data_dir,
            "threads": 1,
            "inline_workers": 2,
            "sync_timeout": 60.0,
            **overrides,
        }
        return Settings(**values)  # type: ignore[arg-type]


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt when missing (never a Playwright download)."""
    if not CHROMIUM.exists():
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update"], check=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            check=True,
        )
    return CHROMIUM


@pytest.fixture(scope="package")
def media_files() -> Iterator[MediaServer]:
    """Photos over HTTP on 127.0.0.1; /stall/... waits for `release()`."""
    with MediaServer(SAMPLE_PHOTO.read_bytes(), GROUP_PHOTO.read_bytes()) as server:
        yield server


@pytest.fixture(scope="package")
def live(
    tmp_path_factory: pytest.TempPathFactory, media_files: MediaServer
) -> Iterator[LiveServer]:
    """The shared service: tests add analyses to it, so they compare with what it answers."""
    settings = _settings(tmp_path_factory.mktemp("live"), allow_private_urls=True)
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def empty_live(tmp_path: Path) -> Iterator[LiveServer]:
    """A service on a database of its own, with nothing in it."""
    with LiveServer(_settings(tmp_path / "data")) as server:
        yield server


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    chromium = ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium))
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized tab; a JavaScript error, a dialog, a failed asset, a request to
    another host or a console error (a CSP violation) fails the test."""
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))

    def check_response(response: Response) -> None:
        # Pages' own statuses are the tests' to check; a failed asset is always a bug.
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} {response.url}")

    def check_request(request: Request) -> None:
        # Nothing from elsewhere: no CDN, no font service, no tracker.
        if not request.url.startswith(("http://127.0.0.1:", "data:")):
            problems.append(f"third-party request: {request.url}")

    def check_console(message: ConsoleMessage) -> None:
        # Content-Security-Policy violations land here; failed loads are checked above.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    page.on("response", check_response)
    page.on("request", check_request)
    page.on("console", check_console)
    yield page
    context.close()
    assert not problems, problems


def screenshot(page: Page, name: str) -> None:
    """Save the whole page at desktop and at phone width to artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    if size is not None:
        page.set_viewport_size(size)


def fits_phone(page: Page) -> None:
    """At phone width nothing sticks out sideways: the page never scrolls horizontally
    (wide tables scroll inside their own box)."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.wait_for_timeout(100)  # the charts follow their box's new size
    wide = page.evaluate("document.documentElement.scrollWidth")
    if size is not None:
        page.set_viewport_size(size)
    assert wide <= PHONE["width"], f"the page is {wide} px wide at {PHONE['width']} px"
