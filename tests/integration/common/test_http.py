"""Headers, error pages, transactions and configuration safety."""

from __future__ import annotations

import re

import pytest
from flask import has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.common.roles import Role
from portal.config import ConfigError
from portal.extensions import db
from tests.conftest import sign_in
from tests.integration.common.test_access import _urls


def test_security_headers_on_a_page(client):
    response = client.get("/", base_url="https://localhost")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in csp
    assert re.search(r"script-src 'self' 'nonce-[^']+'", csp)
    max_age = int(re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"]).group(1))
    assert max_age >= 31536000
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_no_page_loads_anything_from_another_site(client, world):
    soup = client.get("/").soup
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for element in soup.find_all(tag):
            value = element.get(attr, "")
            assert not value.startswith(("http:", "https:", "//")), value


def test_get_routes_never_commit_the_request_transaction(app, world, factories):
    commits: list[str] = []

    @event.listens_for(Session, "after_commit")
    def record(session):
        if has_request_context():  # not the test's own set-up
            commits.append(f"{request.method} {request.path}")

    try:
        urls = [u for u in _urls(app, world, factories) if u[1] == "GET"]
        for who in (None, world.partner, world.practitioner, world.manager, world.admin):
            client = app.test_client()
            if who is not None:
                sign_in(client, who)
            commits.clear()
            for _, _, url in urls:
                client.get(url)
            assert [c for c in commits if c.startswith("GET")] == []
    finally:
        event.remove(Session, "after_commit", record)


def test_not_found_is_a_govuk_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.soup.h1.get_text(strip=True) == "Page not found"


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/sign-out", "/notifications/read"])
def test_a_get_on_a_post_only_route_is_a_govuk_405_page(client, client_for, world, path, signed_in):
    # A link or bookmark to a form's address must not show Werkzeug's bare page. The client runs the page
    # checks on it (valid HTML, one h1, the title starting with it, CSP nonces).
    browser = client_for(Role.PARTNER) if signed_in else client
    response = browser.get(path)
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert response.soup.h1.get_text(strip=True) == "You cannot open this page directly"
    assert response.soup.title.get_text(strip=True).startswith("You cannot open this page directly –")
    assert "POST" in response.headers["Allow"].split(", ")
    assert "GET" not in response.headers["Allow"].split(", ")
    # Signed in, the page is the signed-in layout (the GET changed nothing: still signed in).
    assert (browser.get("/account").status_code == 200) is signed_in


def test_an_unexpected_error_shows_the_plain_sorry_page_without_a_traceback(database_url, make_app):
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=database_url)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in text
    assert "secret internals" not in text and "Traceback" not in text


def test_database_down_gives_503_and_healthz_says_so(tmp_path, make_app):
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/portal.db")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    page = client.get("/schools", query_string={"q": "castle"})
    assert page.status_code == 503
    assert "Sorry, the service is unavailable" in page.get_data(as_text=True)


def test_healthz_is_ok_when_the_database_answers(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_user_text_is_escaped_everywhere(client_for, world, factories):
    evil = factories.OrganisationFactory(name='<script>alert(1)</script>" onmouseover="x', locality=world.locality)
    for client in (client_for(Role.PARTNER), client_for(Role.ADMIN)):
        for url in (f"/organisations/{evil.id}", f"/localities/{world.locality.id}", "/schools?q=alert"):
            body = client.get(url).get_data(as_text=True)
            assert "<script>alert(1)" not in body
            assert '" onmouseover="x' not in body


@pytest.mark.parametrize("secret", ["", "dev", "short-but-not-empty"])
def test_production_refuses_a_missing_or_weak_secret_key(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_refuses_to_start_without_a_database_url():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app("production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="", PUBLIC_URL="https://localhost")


@pytest.mark.parametrize("public_url", ["", "portal.example.org", "ftp://portal.example.org", "https://x.example/?a=1"])
def test_production_refuses_to_start_without_a_public_url(public_url):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app("production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="sqlite://", PUBLIC_URL=public_url)


def test_requests_for_another_host_are_refused(app, database_url, make_app):
    app = make_app(
        "production", SECRET_KEY="p" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://portal.example.org"
    )
    client = app.test_client()
    assert client.get("/healthz", base_url="https://portal.example.org").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
    assert client.get("/healthz", base_url="https://localhost").status_code == 400  # no loopback in production


def test_production_session_cookie_is_secure_httponly_and_lax(world, database_url, make_app):
    app = make_app(
        "production", SECRET_KEY="p" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://localhost"
    )
    assert not app.debug
    client = app.test_client()
    page = client.get("/sign-in", base_url="https://localhost")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/sign-in",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/sign-in"},
        data={"email": world.partner.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_redirects_plain_http_to_https(database_url, make_app):
    app = make_app(
        "production", SECRET_KEY="p" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://localhost"
    )
    response = app.test_client().get("/", base_url="http://localhost")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].startswith("https://")


def _localities(names: list[str]) -> list[str]:
    from portal.directory.models import Locality

    return sorted(n for n in db.session.scalars(select(Locality.name).where(Locality.name.in_(names))))


def test_a_savepoint_is_part_of_the_one_transaction_even_as_its_first_statement(app):
    """On SQLite a SAVEPOINT before any write used to start and, on release, commit a transaction of
    its own, so rolling the request back left the savepoint's rows behind."""
    from portal.directory.models import Locality

    def locality(name: str) -> Locality:
        return Locality(name=name, front_door_phone="0116 496 0000", front_door_email="fd@example.org")

    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(locality("Savepoint first"))
    db.session.rollback()
    assert _localities(["Savepoint first"]) == []

    with db.session.begin_nested():
        db.session.add(locality("Kept by the commit"))
    try:
        with db.session.begin_nested():
            db.session.add(locality("Undone by its savepoint"))
            db.session.flush()
            raise LookupError
    except LookupError:
        pass
    db.session.commit()
    assert _localities(["Kept by the commit", "Undone by its savepoint"]) == ["Kept by the commit"]
