"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the app served on a
local port. No browser is ever downloaded; without Chromium these tests skip and say why."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from passport.services import accounts
from tests import factories

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium); make test installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app on a free local port, for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, base: str, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real form; staff then type a code from the test authenticator app. Finds the
    fields by their names, so it works whatever language the person chose last time."""
    page.goto(f"{base}/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    user = accounts.find_user_by_email(email)
    if user is not None and user.is_staff:
        page.locator("#code").wait_for()
        page.locator("#code").fill(factories.security_code(user))
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)


def choose_language(page, locale: str) -> None:
    """Change the language as a person does: the header's language link, their language, the button; the
    language page sends them back to the page they were on."""
    page.locator("header .app-header__language").click()
    page.locator(f"input[name=locale][value={locale}]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
