"""Signing in with the organisation's account in a real browser, against the OpenID Connect provider the
suite runs on loopback: from the portal's button to the provider's sign-in page and back, signed in; then
signing out of the portal and of the provider, back on the portal's home page. The portal's pages pass axe
and the page checks; the provider's own pages are not ours to check. Also the page for someone the
provider knows but the portal does not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from seeds.demo import load_demo
from tests.browser.conftest import LiveServer
from tests.support.oidc import provider_settings


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, oidc_provider: Any) -> Iterator[LiveServer]:
    """The portal with the demo data, on the port the provider's client expects it back on."""
    base = f"http://127.0.0.1:{oidc_provider.browser_port}"
    path = tmp_path_factory.mktemp("oidc-browser") / "portal.db"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        SERVER_NAME=None,
        RATELIMIT_ENABLED=False,
        PUBLIC_URL=base,
        OIDC_PROVIDERS=(provider_settings(oidc_provider),),
    )
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    oidc_provider.browser_socket.listen()  # werkzeug serves a socket it is given, but leaves listen() to us
    server = make_server(
        "127.0.0.1", oidc_provider.browser_port, app, threaded=True, fd=oidc_provider.browser_socket.fileno()
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(base, app)
    server.shutdown()


def at_the_provider(visitor: Any, email: str) -> None:
    """From the portal's sign-in page, through the provider's sign-in page, back to the portal."""
    visitor.goto("/sign-in")
    visitor.page.get_by_role("button", name="Sign in with Shire County Council").click()
    visitor.page.wait_for_url(lambda url: "/interaction/" in url)
    visitor.page.get_by_label("Email address").fill(email)
    with visitor.page.expect_navigation(url=lambda url: url.startswith(visitor.base_url)) as navigation:
        visitor.page.get_by_role("button", name="Sign in").click()
    visitor.last_response = navigation.value
    visitor.check()


def test_a_partner_signs_in_with_their_organisations_account_and_signs_out_of_both(visitor, oidc):
    oidc.add_account("partner@example.org", amr=["pwd"])
    at_the_provider(visitor, "partner@example.org")
    assert visitor.page.url == visitor.base_url + "/home"
    visitor.goto("/account")
    expect(visitor.page.get_by_text("partner@example.org")).to_be_visible()

    # Signing out goes on to the provider (CSP form-action lets the redirect through), which asks, then
    # comes back to the portal's home page.
    visitor.page.locator("header").get_by_role("button", name="Sign out").click()
    visitor.page.wait_for_url(lambda url: url.startswith(oidc.issuer + "/session/end"))
    with visitor.page.expect_navigation(url=lambda url: url.startswith(visitor.base_url)) as navigation:
        visitor.page.get_by_role("button", name="Yes, sign me out").click()
    visitor.last_response = navigation.value
    visitor.check()
    assert visitor.page.url.split("?")[0] == visitor.base_url + "/"  # the provider adds the logout's state
    expect(visitor.page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    visitor.goto("/account")
    assert "/sign-in" in visitor.page.url  # signed out of the portal


def test_someone_without_an_account_is_told_to_ask_for_an_invitation(visitor, oidc):
    oidc.add_account("newcomer@example.org")
    at_the_provider(visitor, "newcomer@example.org")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("You do not have an account yet")
    expect(visitor.page.get_by_text("send you an invitation")).to_be_visible()
