"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The CDN address of Chart.js is answered with the committed copy of the same file (there is no
internet, and the page keeps its integrity hash). Playwright's synchronous API runs an event loop
while it is open, which Django's async-safety check takes for async code; the loop and the
permission to use the ORM beside it (DJANGO_ALLOW_ASYNC_UNSAFE) last only for this module's tests,
so the rest of the suite keeps the check. The Chromium is Debian's (/usr/bin/chromium, installed by
`make install`): never a browser downloaded by `playwright install`.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LOCAL_CHARTJS = Path(settings.BASE_DIR) / "static" / "vendor" / "chart.umd.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserSession:
    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_browser(chromium, live_server):
    """open_browser(user, language="en", width=1280) → a logged-in BrowserSession; fails the test on any
    console error or uncaught exception of the page."""
    contexts = []
    sessions: list[BrowserSession] = []

    def open_as(user: object, *, language: str = "en", width: int = 1280, height: int = 900) -> BrowserSession:
        if getattr(user, "language", language) != language:
            user.language = language  # staff pages follow the language saved on the user
            user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce",
                                       locale="fa-IR" if language == "fa" else "en-GB")
        contexts.append(context)
        cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url}]
        if language != "en":
            cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.route("**/chart.umd.min.js",
                   lambda route: route.fulfill(path=str(LOCAL_CHARTJS), content_type="application/javascript"))
        session = BrowserSession(page=page, base_url=live_server.url)
        page.on("console", lambda message: session.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: session.errors.append(str(error)))
        sessions.append(session)
        return session

    yield open_as
    for context in contexts:
        context.close()
    errors = [error for session in sessions for error in session.errors]
    assert errors == [], f"console errors: {errors}"
