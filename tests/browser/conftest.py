"""Browser tests: the portal served on loopback with the demo data, driven through Playwright in the
system Chromium (never a downloaded browser), with axe-core and the page checks on every page."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Response, sync_playwright
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.support.pages import check_page
from tests.support.servers import free_port, require

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    url: str
    app: Any


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path("static/dist/portal.css").exists():
        pytest.fail("front-end assets are not built: run `make assets` (make test does)")
    path = tmp_path_factory.mktemp("browser") / "portal.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SERVER_NAME=None, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require(shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "Chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visitor:
    """A browser tab that checks every page it lands on: axe-core (WCAG 2.2 AA) and the page checks."""

    page: Page
    base_url: str
    axe: Axe = field(default_factory=Axe)
    checked: list[str] = field(default_factory=list)
    last_response: Response | None = None

    def goto(self, path: str) -> Page:
        self.last_response = self.page.goto(self.base_url + path)
        self.check()
        return self.page

    def check(self, label: str = "") -> None:
        """axe and the page checks on the page as it is now (call after each state change)."""
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        where = f"{self.page.url} {label}".strip()
        assert results.violations_count == 0, f"axe on {where}:\n{results.generate_report()}"
        response = self.last_response
        if response is not None:
            # A journey that lands on an error page has failed, whatever axe says about the page.
            assert response.status < 500, f"{where}: {response.status}"
            # The HTML as served: browsers hide nonce values from the DOM, so page.content() can't be used.
            check_page(response.text(), response.headers.get("content-security-policy"), path=where)
        self.checked.append(where)

    def submit(self, button_text: str, *, exact: bool = True) -> None:
        """Press a form's button and check the page it leads to (after any redirect)."""
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name=button_text, exact=exact).click()
        self.last_response = navigation.value
        self.check()

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_role("textbox", name="Password").fill(password)
        self.submit("Sign in")


@pytest.fixture
def visitor_factory(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    contexts = []

    def make(*, viewport: dict[str, int] | None = None) -> Visitor:
        context = browser.new_context(viewport=viewport) if viewport else browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return Visitor(page, live_server.url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(visitor_factory: Any) -> Visitor:
    return visitor_factory()
