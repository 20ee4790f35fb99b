"""The account's safety steps as people meet them: a second factor for staff (set up an authenticator
app, then a code), re-entering the password before seeing or downloading one's data, and an admin's
erasure confirmation. axe and the page checks on every page and error state."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect


def test_staff_set_up_an_authenticator_app_and_then_give_a_code(visitor_factory, live_server):
    live_server.app.config["REQUIRE_SECOND_FACTOR"] = True
    try:
        first = visitor_factory()
        first.sign_in("amara.okafor@example.org")
        assert first.page.url.endswith("/sign-in/set-up-code")
        expect(first.page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        first.submit("Continue")  # nothing typed: the error state
        expect(first.page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code")
        key = re.sub(r"\s", "", first.page.locator("code").inner_text())
        first.page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
        first.submit("Continue")
        expect(first.page.locator(".govuk-notification-banner")).to_contain_text("authenticator app is set up")

        again = visitor_factory()
        again.sign_in("amara.okafor@example.org")
        assert again.page.url.endswith("/sign-in/code")
        again.page.get_by_label("Code from your authenticator app").fill("000000")
        again.submit("Continue")
        expect(again.page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    finally:
        live_server.app.config["REQUIRE_SECOND_FACTOR"] = False


def test_a_partner_confirms_their_password_then_reads_their_data(visitor):
    visitor.sign_in("partner@example.org")
    visitor.goto("/account")
    with visitor.page.expect_navigation() as navigation:
        visitor.page.get_by_role("link", name="See your data").click()
    visitor.last_response = navigation.value
    visitor.check()
    assert "/account/confirm-password" in visitor.page.url
    visitor.submit("Continue")
    expect(visitor.page.locator(".govuk-error-summary")).to_contain_text("Enter your password")
    visitor.page.get_by_role("textbox", name="Password").fill("demo-pass-2026")
    visitor.submit("Continue")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(
        visitor.page.get_by_role("cell", name="partner@example.org").or_(
            visitor.page.get_by_text("partner@example.org")
        )
    ).to_be_visible()
    with visitor.page.expect_download() as download:
        visitor.page.get_by_role("link", name="Download it for another program (JSON)").click()
    assert download.value.suggested_filename == "partner-portal-your-data.json"
    with visitor.page.expect_download() as download:
        visitor.page.get_by_role("link", name="Download it as a spreadsheet (CSV)").click()
    assert download.value.suggested_filename == "partner-portal-your-data.csv"


def test_an_admin_sees_what_erasure_does_before_confirming(visitor):
    visitor.sign_in("admin@example.org")
    visitor.goto("/users")
    with visitor.page.expect_navigation() as navigation:
        visitor.page.get_by_role("link", name="Erase Noor Sadiq's account").click()
    visitor.last_response = navigation.value
    visitor.check()
    visitor.page.get_by_role("textbox", name="Password").fill("demo-pass-2026")
    visitor.submit("Continue")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to erase Noor Sadiq's account?"
    )
    expect(visitor.page.locator(".govuk-warning-text")).to_contain_text("cannot be undone")
    visitor.submit("Yes, erase this account")
    expect(visitor.page.locator(".govuk-notification-banner")).to_contain_text("Noor Sadiq's account has been erased")
